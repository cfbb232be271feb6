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

    /// <summary><c>../shared/fixtures/real</c>: real third-party signed artifacts (never copied into the repo).</summary>
    public static string RealFixtures => Path.Combine(Shared, "fixtures", "real");

    public static bool HasRealFixtures => Directory.Exists(RealFixtures);

    /// <summary>The reason every test that needs the shared fixtures gives when they are absent.</summary>
    public static string RealFixturesMissingReason =>
        $"needs the real signed artifacts in {RealFixtures}, which is absent (it sits beside the checkout as ../shared)";

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
