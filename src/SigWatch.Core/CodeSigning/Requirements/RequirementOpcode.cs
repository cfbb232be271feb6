namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// Expression opcodes of a compiled requirement program (Security <c>requirement.h</c>, <c>enum ExprOp</c>).
/// Each is a big-endian u32; the high byte carries <see cref="RequirementOpcodeFlags"/>.
/// </summary>
public enum RequirementOpcode : uint
{
    False = 0,
    True = 1,
    Ident = 2,
    AppleAnchor = 3,
    AnchorHash = 4,
    InfoKeyValue = 5,
    And = 6,
    Or = 7,
    CDHash = 8,
    Not = 9,
    InfoKeyField = 10,
    CertField = 11,
    TrustedCert = 12,
    TrustedCerts = 13,
    CertGeneric = 14,
    AppleGenericAnchor = 15,
    EntitlementField = 16,
    CertPolicy = 17,
    NamedAnchor = 18,
    NamedCode = 19,
    Platform = 20,
    Notarized = 21,
    CertFieldDate = 22,
    LegacyDevId = 23,
}

/// <summary>High-byte opcode flags (requirement.h <c>opFlagMask</c>).</summary>
[Flags]
public enum RequirementOpcodeFlags : uint
{
    None = 0,

    /// <summary><c>opGenericSkip</c>: unknown op carries a u32 size; skip it and evaluate the next expression.</summary>
    GenericSkip = 0x4000_0000,

    /// <summary><c>opGenericFalse</c>: unknown op carries a u32 size; skip it and evaluate to false.</summary>
    GenericFalse = 0x8000_0000,

    Mask = 0xFF00_0000,
}

/// <summary>Match operations that follow a key (requirement.h <c>enum MatchOperation</c>).</summary>
public enum MatchOperation : uint
{
    Exists = 0,
    Equal = 1,
    Contains = 2,
    BeginsWith = 3,
    EndsWith = 4,
    LessThan = 5,
    GreaterThan = 6,
    LessEqual = 7,
    GreaterEqual = 8,
    On = 9,
    Before = 10,
    After = 11,
    OnOrBefore = 12,
    OnOrAfter = 13,
    Absent = 14,
}

/// <summary>
/// Requirement types used as index types of a requirements set (CSCommon.h <c>SecRequirementType</c>;
/// names from requirement.cpp <c>typeNames</c>).
/// </summary>
public enum RequirementType : uint
{
    Host = 1,
    Guest = 2,
    Designated = 3,
    Library = 4,
    Plugin = 5,
}

/// <summary>The <c>kind</c> word of a single requirement blob (requirement.h <c>Requirement::Kind</c>).</summary>
public enum RequirementKind : uint
{
    /// <summary><c>exprForm</c>: the payload is an expression program.</summary>
    Expression = 1,

    /// <summary><c>lwcrForm</c>: the payload is a lightweight code requirement (DER); kept raw, not interpreted.</summary>
    LightweightCodeRequirement = 2,
}

/// <summary>Certificate slot conventions (requirement.h <c>leafCert</c>/<c>anchorCert</c>).</summary>
public static class CertificateSlot
{
    /// <summary>The leaf certificate: index 0 from the start of the chain.</summary>
    public const int Leaf = 0;

    /// <summary>The anchor (root): index -1, counted from the end of the chain.</summary>
    public const int Root = -1;
}
