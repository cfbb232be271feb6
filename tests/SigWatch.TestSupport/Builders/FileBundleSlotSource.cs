using SigWatch.Core.CodeSigning;
using SigWatch.Core.Verification;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// A minimal bundle context for tests: Info.plist and _CodeSignature/CodeResources read from given paths.
/// A path that does not exist is "missing" (a failure when the slot is bound), as in a real bundle.
/// </summary>
public sealed class FileBundleSlotSource(string infoPlistPath, string codeResourcesPath) : ISpecialSlotSource
{
    public SpecialSlotContent GetComponent(uint slot) => slot switch
    {
        CodeSigningSlot.InfoPlist => Read(infoPlistPath),
        CodeSigningSlot.ResourceDirectory => Read(codeResourcesPath),
        _ => SpecialSlotContent.Unavailable("not supplied by this context"),
    };

    private static SpecialSlotContent Read(string path) =>
        File.Exists(path) ? SpecialSlotContent.Present(File.ReadAllBytes(path), path) : SpecialSlotContent.Missing(path);
}
