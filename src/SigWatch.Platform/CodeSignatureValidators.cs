using SigWatch.Core.Verification;
using SigWatch.Platform.Darwin;

namespace SigWatch.Platform;

/// <summary>
/// The validators available on the running OS, managed first. On macOS the list also holds the Security-framework
/// validator; the daemon runs every one and records <see cref="AssessmentComparer.Compare"/> differences between the
/// first and each other as verifier-disagreement events.
/// </summary>
public static class CodeSignatureValidators
{
    public static IReadOnlyList<ICodeSignatureValidator> ForCurrentPlatform(ValidationDepth nativeDepth = ValidationDepth.Strict)
    {
        var managed = new ManagedCodeSignatureValidator();
        if (OperatingSystem.IsMacOS())
        {
            return [managed, new SecStaticCodeValidator(new SecStaticCodeValidatorOptions { Depth = nativeDepth })];
        }

        return [managed];
    }
}
