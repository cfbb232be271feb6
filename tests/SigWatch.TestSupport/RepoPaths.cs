using System.Formats.Tar;
using System.IO.Compression;

namespace SigWatch.TestSupport;

/// <summary>
/// Locates the checkout and the shared material beside it. Tests never hard-code absolute paths:
/// a fresh clone anywhere must work, with <c>../shared</c> optional.
/// </summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The directory that holds SigWatch.sln.</summary>
    public static string Root => s_root.Value;

    /// <summary><c>../shared</c> relative to the checkout; may not exist.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>
    /// <c>../shared/fixtures/real.tar.gz</c>: the real third-party signed artifacts (never copied into the repo) with every
    /// symlink intact. The <c>../shared/fixtures/real</c> folder beside it may hold symlinks turned into small files,
    /// depending on how ../shared was copied, so tests never read it.
    /// </summary>
    public static string RealFixturesArchive => Path.Combine(Shared, "fixtures", "real.tar.gz");

    /// <summary>
    /// The real fixtures as the archive keeps them, extracted once per test process into a temporary directory (deleted at
    /// exit). Real framework layouts (Versions/Current and the root symlinks) are therefore what their MANIFEST describes.
    /// </summary>
    public static string RealFixtures => s_realFixtures.Value;

    public static bool HasRealFixtures => File.Exists(RealFixturesArchive);

    /// <summary>The reason every test that needs the shared fixtures gives when they are absent.</summary>
    public static string RealFixturesMissingReason =>
        $"needs the real signed artifacts in {RealFixturesArchive}, which is absent (it sits beside the checkout in ../shared)";

    private static readonly Lazy<string> s_realFixtures = new(ExtractRealFixtures);

    private static string ExtractRealFixtures()
    {
        if (!HasRealFixtures)
        {
            throw new InvalidOperationException(RealFixturesMissingReason);
        }

        var directory = Directory.CreateTempSubdirectory("sigwatch-real-fixtures-").FullName;
        using (var archive = new GZipStream(File.OpenRead(RealFixturesArchive), CompressionMode.Decompress))
        {
            TarFile.ExtractToDirectory(archive, directory, overwriteFiles: false);
        }

        // The archive's directories are read-only (as in ../shared); the copy must be deletable by a non-root user.
        foreach (var sub in Directory.EnumerateDirectories(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Prepend(directory))
        {
            if (!OperatingSystem.IsWindows() && new DirectoryInfo(sub).LinkTarget is null)
            {
                File.SetUnixFileMode(sub, File.GetUnixFileMode(sub) | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A leftover temporary directory is not worth failing a test run for.
            }
        };
        return Path.Combine(directory, "real");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SigWatch.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"SigWatch.sln not found above {AppContext.BaseDirectory}; tests must run from inside the checkout.");
    }
}
