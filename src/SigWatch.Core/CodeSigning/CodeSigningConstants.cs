namespace SigWatch.Core.CodeSigning;

/// <summary>Blob magics (SEC <c>CSCommonPriv.h</c>, <c>sigblob.h</c>; XNU <c>cs_blobs.h</c>; reference §2.1). All big-endian.</summary>
public static class CodeSigningMagic
{
    public const uint Requirement = 0xFADE0C00;
    public const uint Requirements = 0xFADE0C01;
    public const uint CodeDirectory = 0xFADE0C02;
    public const uint LibraryDependencies = 0xFADE0C05;
    public const uint EmbeddedSignature = 0xFADE0CC0;
    public const uint DetachedSignature = 0xFADE0CC1;
    public const uint BlobWrapper = 0xFADE0B01;
    public const uint EmbeddedSignatureOld = 0xFADE0B02;
    public const uint Entitlements = 0xFADE7171;
    public const uint EntitlementsDer = 0xFADE7172;
    public const uint LaunchConstraint = 0xFADE8181;
}

/// <summary>SuperBlob index types (SEC <c>codedirectory.h</c>; XNU <c>CSSLOT_*</c>; reference §2.2).</summary>
public static class CodeSigningSlot
{
    public const uint CodeDirectory = 0;
    public const uint InfoPlist = 1;
    public const uint Requirements = 2;
    public const uint ResourceDirectory = 3;
    public const uint TopDirectory = 4;
    public const uint Entitlements = 5;
    public const uint RepSpecific = 6;
    public const uint EntitlementsDer = 7;
    public const uint LaunchConstraintSelf = 8;
    public const uint LaunchConstraintParent = 9;
    public const uint LaunchConstraintResponsible = 10;
    public const uint LibraryConstraint = 11;

    /// <summary>Highest special slot SEC knows (<c>cdSlotMax</c>).</summary>
    public const uint MaxSpecialSlot = 11;

    public const uint AlternateCodeDirectoryFirst = 0x1000;

    /// <summary>Exclusive limit: at most five alternate CodeDirectories (0x1000…0x1004).</summary>
    public const uint AlternateCodeDirectoryLimit = 0x1005;

    public const uint Signature = 0x10000;
    public const uint Identification = 0x10001;
    public const uint Ticket = 0x10002;

    /// <summary>
    /// SEC <c>sigblob.cpp</c>: these slots hold whole blobs whose component bytes include the 8-byte header; the
    /// others hold BlobWrappers whose component is the payload only.
    /// </summary>
    public static bool IsBlobSlot(uint slot) =>
        slot is CodeDirectory or Requirements or Entitlements or EntitlementsDer
            or (>= LaunchConstraintSelf and <= LibraryConstraint)
            or (>= AlternateCodeDirectoryFirst and < AlternateCodeDirectoryLimit);

    public static string Name(uint slot) => slot switch
    {
        CodeDirectory => "CodeDirectory",
        InfoPlist => "Info.plist",
        Requirements => "Requirements",
        ResourceDirectory => "CodeResources",
        TopDirectory => "TopDirectory",
        Entitlements => "Entitlements",
        RepSpecific => "RepSpecific",
        EntitlementsDer => "EntitlementsDER",
        LaunchConstraintSelf => "LaunchConstraintSelf",
        LaunchConstraintParent => "LaunchConstraintParent",
        LaunchConstraintResponsible => "LaunchConstraintResponsible",
        LibraryConstraint => "LibraryConstraint",
        >= AlternateCodeDirectoryFirst and < AlternateCodeDirectoryLimit => $"AlternateCodeDirectory{slot - AlternateCodeDirectoryFirst}",
        Signature => "CMSSignature",
        Identification => "Identification",
        Ticket => "Ticket",
        _ => $"0x{slot:x}",
    };
}
