using System.Runtime.Versioning;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform.Darwin;

/// <summary>
/// A compiled code requirement owned by the Security framework (SecRequirementRef). Create it once and reuse it:
/// compiling parses the text; checking against it is then cheap.
/// </summary>
[SupportedOSPlatform("macos")]
public sealed class SecRequirement : IDisposable
{
    private SecRequirement(SafeSecRequirementHandle handle) => Handle = handle;

    internal SafeSecRequirementHandle Handle { get; }

    /// <summary>
    /// Compiles requirement-language text with SecRequirementCreateWithStringAndErrors. A syntax error throws
    /// <see cref="SecurityFrameworkException"/> whose user info carries <c>SecRequirementSyntax</c> (§3.1).
    /// </summary>
    public static SecRequirement Create(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var cfText = CoreFoundation.CFStringCreate(text);
        var status = Security.SecRequirementCreateWithStringAndErrors(cfText, out var errors, out var handle);
        using (errors)
        {
            if (status != CodeSigningStatus.Success || handle.IsInvalid)
            {
                handle.Dispose();
                Security.ThrowIfError(status == CodeSigningStatus.Success ? CodeSigningStatus.ReqInvalid : status, errors);
            }
        }

        return new SecRequirement(handle);
    }

    /// <summary>The designated requirement of the code at <paramref name="path"/> (explicit or implicit); null if unsigned.</summary>
    public static string? CopyDesignatedRequirementText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var url = CoreFoundation.CFURLCreateFromPath(path, Directory.Exists(path));
        var status = Security.SecStaticCodeCreateWithPath(url, out var code);
        using (code)
        {
            Security.ThrowIfError(status);
            return CopyDesignatedRequirementText(code);
        }
    }

    /// <summary>The designated requirement of a code object as text; null when it has none (unsigned code).</summary>
    internal static string? CopyDesignatedRequirementText(SafeCFHandle code)
    {
        var status = Security.SecCodeCopyDesignatedRequirement(code, out var requirement);
        using (requirement)
        {
            if (status != CodeSigningStatus.Success || requirement.IsInvalid)
            {
                return null;
            }

            return CopyString(requirement);
        }
    }

    /// <summary>The framework's canonical text for this requirement (SecRequirementCopyString).</summary>
    public override string ToString() => CopyString(Handle);

    public void Dispose() => Handle.Dispose();

    private static string CopyString(SafeSecRequirementHandle requirement)
    {
        var status = Security.SecRequirementCopyString(requirement, out var text);
        using (text)
        {
            Security.ThrowIfError(status);
            return CoreFoundation.CFStringToString(text);
        }
    }
}
