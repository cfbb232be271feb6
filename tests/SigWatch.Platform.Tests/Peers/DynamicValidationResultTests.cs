using SigWatch.Core.Verification;
using SigWatch.Platform.Darwin;
using SigWatch.Platform.Peers;

namespace SigWatch.Platform.Tests.Peers;

// The pure half of DynamicCodeValidator: OSStatus of SecCodeCheckValidityWithErrors + the dynamic signing information.
public class DynamicValidationResultTests
{
    private static Dictionary<string, object?> Info(uint status, uint flags) => new()
    {
        ["identifier"] = "com.example.client",
        ["teamid"] = "ABCDE12345",
        ["flags"] = (long)flags,
        ["status"] = (long)status,
    };

    [Fact]
    public void ValidHardenedPeer_IsAdmittedEvenWhenHardenedRuntimeIsRequired()
    {
        var result = DynamicValidationResult.Create(NativeResultMapper.Map(0, null, "pid 1"), Info(0x1 | 0x100, 0x10000));
        Assert.Equal(AssessmentVerdict.Valid, result.Verdict);
        Assert.True(result.IsKernelValid);
        Assert.True(result.HasHardenedRuntime);
        Assert.True(result.Admits(requireHardenedRuntime: true));
        Assert.Equal("com.example.client", result.Identifier);
        Assert.Equal("ABCDE12345", result.TeamId);
    }

    [Fact]
    public void PeerWithoutHardenedRuntime_IsAdmittedOnlyWhenNotRequired()
    {
        var result = DynamicValidationResult.Create(NativeResultMapper.Map(0, null, "pid 1"), Info(0x1, 0x2));
        Assert.True(result.Admits(requireHardenedRuntime: false));
        Assert.False(result.Admits(requireHardenedRuntime: true));
    }

    [Fact]
    public void KernelInvalidatedPeer_IsNotAdmittedEvenIfCheckPassed()
    {
        var result = DynamicValidationResult.Create(NativeResultMapper.Map(0, null, "pid 1"), Info(0x0, 0x10000));
        Assert.False(result.IsKernelValid);
        Assert.False(result.Admits(requireHardenedRuntime: false));
    }

    [Fact]
    public void RequirementFailure_IsInvalidWithRequirementFinding()
    {
        var result = DynamicValidationResult.Create(NativeResultMapper.Map(-67050, null, "pid 1"), Info(0x1, 0x10000));
        Assert.Equal(AssessmentVerdict.Invalid, result.Verdict);
        Assert.Equal(FindingKind.RequirementNotSatisfied, Assert.Single(result.Findings).Kind);
        Assert.False(result.Admits(requireHardenedRuntime: false));
    }

    [Fact]
    public void VanishedPeer_IsUnknownAndNotAdmitted()
    {
        var result = DynamicValidationResult.Create(NativeResultMapper.Map(-67065, null, "pid 1"), null);
        Assert.Equal(AssessmentVerdict.Unknown, result.Verdict);
        Assert.Null(result.Status);
        Assert.False(result.IsKernelValid);
        Assert.False(result.HasHardenedRuntime);
        Assert.False(result.Admits(requireHardenedRuntime: false));
    }
}
