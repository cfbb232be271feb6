using SigWatch.Platform.Darwin;

namespace SigWatch.Platform.Tests.Darwin;

// Values from macos-integration.md §3.2/§3.3 (SEC:CSCommon.h, SecStaticCode.h, SecCode.h). A typo here would pass a
// different meaning to the framework, so each value is pinned.
public class SecCSFlagsTests
{
    [Theory]
    [InlineData(SecStaticValidityFlags.CheckAllArchitectures, 0x1u)]
    [InlineData(SecStaticValidityFlags.DoNotValidateExecutable, 0x2u)]
    [InlineData(SecStaticValidityFlags.DoNotValidateResources, 0x4u)]
    [InlineData(SecStaticValidityFlags.CheckNestedCode, 0x8u)]
    [InlineData(SecStaticValidityFlags.StrictValidate, 0x10u)]
    [InlineData(SecStaticValidityFlags.RestrictSymlinks, 0x80u)]
    [InlineData(SecStaticValidityFlags.NoNetworkAccess, 0x20000000u)]
    [InlineData(SecStaticValidityFlags.ConsiderExpiration, 0x80000000u)]
    public void StaticValidityFlag_HasHeaderValue(SecStaticValidityFlags flag, uint value) => Assert.Equal(value, (uint)flag);

    [Theory]
    [InlineData(SecSigningInformationFlags.Signing, 0x2u)]
    [InlineData(SecSigningInformationFlags.Requirement, 0x4u)]
    [InlineData(SecSigningInformationFlags.Dynamic, 0x8u)]
    [InlineData(SecSigningInformationFlags.Content, 0x10u)]
    public void SigningInformationFlag_HasHeaderValue(SecSigningInformationFlags flag, uint value) => Assert.Equal(value, (uint)flag);

    [Fact]
    public void CodeStatusAndSignatureFlags_HaveHeaderValues()
    {
        Assert.Equal(0x1u, (uint)SecCodeStatus.Valid);
        Assert.Equal(0x100u, (uint)SecCodeStatus.Hard);
        Assert.Equal(0x200u, (uint)SecCodeStatus.Kill);
        Assert.Equal(0x04000000u, (uint)SecCodeStatus.Platform);
        Assert.Equal(0x10000000u, (uint)SecCodeStatus.Debugged);
        Assert.Equal(0x2u, (uint)SecCodeSignatureFlags.Adhoc);
        Assert.Equal(0x10000u, (uint)SecCodeSignatureFlags.Runtime);
        Assert.Equal(0x20000u, (uint)SecCodeSignatureFlags.LinkerSigned);
        Assert.Equal(0x2000u, (uint)SecCodeSignatureFlags.LibraryValidation);
    }

    [Fact]
    public void StrictDepth_IsAllArchitecturesNestedStrictAndOffline() =>
        Assert.Equal(0x1u | 0x8u | 0x10u | 0x20000000u, (uint)SecCSFlagSets.ForDepth(ValidationDepth.Strict));

    [Fact]
    public void ExecutableOnlyDepth_SkipsResourcesButNotExecutable()
    {
        var flags = SecCSFlagSets.ForDepth(ValidationDepth.ExecutableOnly);
        Assert.True(flags.HasFlag(SecStaticValidityFlags.DoNotValidateResources));
        Assert.False(flags.HasFlag(SecStaticValidityFlags.DoNotValidateExecutable));
        Assert.True(flags.HasFlag(SecStaticValidityFlags.CheckAllArchitectures));
    }

    [Theory]
    [InlineData(ValidationDepth.ExecutableOnly)]
    [InlineData(ValidationDepth.WithResources)]
    [InlineData(ValidationDepth.Strict)]
    public void EveryDepth_UsesOnlyFlagsSecStaticCodeCheckValidityAccepts(ValidationDepth depth)
    {
        // The accepted set of SecStaticCodeCheckValidity (SEC:SecStaticCode.cpp), restricted to the public bits we
        // declare. kSecCSQuickCheck (1 << 26) is deliberately absent: passing it fails with errSecCSInvalidFlags.
        const uint accepted = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x80 | 0x20000000 | 0x80000000;
        var flags = (uint)SecCSFlagSets.ForDepth(depth);
        Assert.Equal(0u, flags & ~accepted);
        Assert.Equal(0u, flags & (1u << 26));
    }
}
