using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.CodeSigning;

public class CodeSignatureTests
{
    private static CodeSignature ReadSignature(byte[] file)
    {
        var image = MachFile.Read(file).Slices[0].Image!;
        Assert.True(image.TryGetCodeSignature(out var bytes));
        return CodeSignature.ReadEmbedded(bytes, image.CodeSignature!.Value.DataOffset);
    }

    [Fact]
    public void ReadEmbedded_AdHoc_HasPrimaryRequirementsAndEmptyCms()
    {
        var signature = ReadSignature(new MachOBuilder().Build());

        Assert.NotNull(signature.Primary);
        Assert.Same(signature.Primary, signature.Best);
        Assert.NotNull(signature.Requirements);
        Assert.Equal(0, signature.CmsSignature!.Value.Length);
        Assert.Empty(signature.Problems);
        Assert.True(signature.TryGetComponent(CodeSigningSlot.Requirements, out var req));
        Assert.Equal(SuperBlobBuilder.EmptyRequirements(), req.ToArray());
    }

    [Fact]
    public void Best_Sha1AndSha256_PicksSha256WhilePrimaryStaysSha1()
    {
        var signature = ReadSignature(new MachOBuilder().WithHashTypes(CodeHashType.Sha1, CodeHashType.Sha256).Build());

        Assert.Equal(2, signature.CodeDirectories.Count);
        Assert.Equal(CodeHashType.Sha1, signature.Primary!.HashType);
        Assert.Equal(CodeHashType.Sha256, signature.Best!.HashType);
        Assert.Equal(CodeSigningSlot.AlternateCodeDirectoryFirst, signature.CodeDirectories[1].Slot);
    }

    [Fact]
    public void Best_Sha384Present_WinsOverSha256()
    {
        var signature = ReadSignature(new MachOBuilder().WithHashTypes(CodeHashType.Sha256, CodeHashType.Sha384).Build());

        Assert.Equal(CodeHashType.Sha384, signature.Best!.HashType);
    }

    [Fact]
    public void ReadEmbedded_TwoCodeDirectoriesWithOneHashType_ReportsDuplicate()
    {
        var signature = ReadSignature(new MachOBuilder().WithHashTypes(CodeHashType.Sha256, CodeHashType.Sha256).Build());

        Assert.Single(signature.CodeDirectories);
        Assert.Contains(signature.Problems, p => p.Reason == MalformedDataReason.Duplicate);
    }

    [Fact]
    public void ReadEmbedded_Entitlements_KeptAsXmlBlob()
    {
        const string xml = "<?xml version=\"1.0\"?><plist><dict><key>com.apple.security.app-sandbox</key><true/></dict></plist>";
        var signature = ReadSignature(new MachOBuilder().WithEntitlements(xml).Build());

        Assert.Equal(xml, signature.Entitlements!.Xml);
    }

    [Fact]
    public void ReadEmbedded_NoCmsSlot_CmsIsNull()
    {
        var signature = ReadSignature(new MachOBuilder().WithCms(null).Build());

        Assert.Null(signature.CmsSignature);
    }

    [Fact]
    public void ReadDetached_ComponentFiles_ReadsBothCodeDirectoriesAndEmptyCms()
    {
        var plist = "<plist/>"u8.ToArray();
        var requirements = SuperBlobBuilder.EmptyRequirements();
        byte[] Cd(CodeHashType t) => new CodeDirectoryBuilder { HashType = t, PageSizeLog2 = 0, Version = 0x20100 }
            .WithSpecialSlot(CodeSigningSlot.Requirements, requirements).Build(plist);
        var files = new Dictionary<string, byte[]>
        {
            ["CodeDirectory"] = Cd(CodeHashType.Sha1),
            ["CodeRequirements-1"] = Cd(CodeHashType.Sha256),
            ["CodeRequirements"] = requirements,
            ["CodeSignature"] = [],
        };

        var signature = CodeSignature.ReadDetached(name => files.TryGetValue(name, out var b) ? b : null)!;

        Assert.Equal(2, signature.CodeDirectories.Count);
        Assert.Equal(CodeHashType.Sha256, signature.Best!.HashType);
        Assert.Equal(0, signature.CmsSignature!.Value.Length);
        Assert.NotNull(signature.Requirements);
    }

    [Fact]
    public void ReadDetached_NoCodeDirectoryFile_ReturnsNull() =>
        Assert.Null(CodeSignature.ReadDetached(_ => null));

    [Theory]
    [InlineData(0u, "CodeDirectory")]
    [InlineData(0x1000u, "CodeRequirements-1")]
    [InlineData(0x10000u, "CodeSignature")]
    [InlineData(7u, "CodeEntitlementDER")]
    public void DetachedFileName_Slots_UseSecCanonicalNames(uint slot, string name) =>
        Assert.Equal(name, CodeSignature.DetachedFileName(slot));
}

public class DetachedCmsPresenceTests
{
    [Fact]
    public void ReadDetached_NoCodeSignatureFile_CmsIsNullNotEmpty()
    {
        var cd = new CodeDirectoryBuilder { PageSizeLog2 = 0 }.Build("<plist/>"u8);

        var signature = CodeSignature.ReadDetached(name => name == "CodeDirectory" ? cd : null)!;

        Assert.Null(signature.CmsSignature);
    }
}
