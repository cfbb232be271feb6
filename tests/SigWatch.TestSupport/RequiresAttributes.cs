using Xunit;

namespace SigWatch.TestSupport;

/// <summary>A fact that is skipped, with the stated reason, when ../shared/fixtures/real is absent.</summary>
public sealed class RealFixturesFactAttribute : FactAttribute
{
    public RealFixturesFactAttribute()
    {
        if (!RepoPaths.HasRealFixtures)
        {
            Skip = RepoPaths.RealFixturesMissingReason;
        }
    }
}

/// <summary>A theory that is skipped, with the stated reason, when ../shared/fixtures/real is absent.</summary>
public sealed class RealFixturesTheoryAttribute : TheoryAttribute
{
    public RealFixturesTheoryAttribute()
    {
        if (!RepoPaths.HasRealFixtures)
        {
            Skip = RepoPaths.RealFixturesMissingReason;
        }
    }
}

/// <summary>
/// A fact that needs an external program on PATH. Outside CI it is skipped with the reason when the
/// program is missing; under CI (<c>CI=true</c>) it runs and fails, because .ci/run must have installed it.
/// </summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(string tool, string debianPackage)
    {
        if (!ExternalTool.IsOnPath(tool) && !ExternalTool.IsCi)
        {
            Skip = $"needs '{tool}' on PATH (Debian package {debianPackage}); .ci/run installs it";
        }
    }
}

/// <summary>
/// A fact that builds the Debian package, whose CLI is Native AOT (linked by clang, Debian's <c>clang</c> or a versioned
/// <c>clang-N</c>): skipped with the reason when clang, <paramref name="tool"/> or (with <paramref name="root"/>) root
/// is missing, but under CI only the root requirement skips: .ci/run installs the tools.
/// </summary>
public sealed class DebianPackageFactAttribute : FactAttribute
{
    public DebianPackageFactAttribute(string? tool = null, bool root = false)
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "the Debian package is built and installed on Linux";
        }
        else if (root && !Environment.IsPrivilegedProcess)
        {
            Skip = "needs root on Linux to install the package with dpkg (CI runs as root)";
        }
        else if (!ExternalTool.IsCi && !ExternalTool.HasClang)
        {
            Skip = "needs clang (Debian package clang) to link the Native AOT sigwatch; .ci/run installs it";
        }
        else if (!ExternalTool.IsCi && tool is not null && !ExternalTool.IsOnPath(tool))
        {
            Skip = $"needs '{tool}' on PATH (Debian package {tool}); .ci/run installs it";
        }
    }
}

public static class ExternalTool
{
    /// <summary><c>clang</c> or a versioned <c>clang-N</c> on PATH, as scripts/publish.sh looks for it.</summary>
    public static bool HasClang => IsOnPath("clang") || Enumerable.Range(14, 12).Any(v => IsOnPath($"clang-{v}"));

    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsOnPath(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
    }
}

/// <summary>A fact about Linux-only behaviour (e.g. the user.* xattr namespace); skipped with the reason elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    internal const string Reason = "Linux-only behaviour (user.* extended attributes, Samba spellings, raw file names)";

    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = Reason;
        }
    }
}

/// <summary>A theory of Linux-only behaviour; skipped elsewhere, like <see cref="LinuxFactAttribute"/>.</summary>
public sealed class LinuxTheoryAttribute : TheoryAttribute
{
    public LinuxTheoryAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = LinuxFactAttribute.Reason;
        }
    }
}

/// <summary>
/// A fact that needs a real Mac (Security framework, LOCAL_PEER* options, system apps); skipped with the reason
/// elsewhere. Pair it with <c>[Trait("Platform", "macOS")]</c> so a Mac run can select exactly these tests.
/// </summary>
public sealed class MacOSFactAttribute : FactAttribute
{
    public MacOSFactAttribute()
    {
        if (!OperatingSystem.IsMacOS())
        {
            Skip = "macOS-only: needs Apple's Security framework and Darwin sockets (run on a Mac: dotnet test --filter Platform=macOS)";
        }
    }
}

/// <summary>A fact that needs root (e.g. to connect as another user with setpriv); skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root to act as another user (CI runs as root); the logic is unit-tested without it";
        }
    }
}

/// <summary>A fact that needs root on Linux (mounting a small tmpfs); skipped with the reason elsewhere.</summary>
public sealed class LinuxRootFactAttribute : FactAttribute
{
    /// <param name="need">What root on Linux is needed for, for the skip reason.</param>
    public LinuxRootFactAttribute(string need = "to mount a 2 MB tmpfs")
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Skip = $"needs root on Linux {need} (CI runs as root)";
        }
    }
}
