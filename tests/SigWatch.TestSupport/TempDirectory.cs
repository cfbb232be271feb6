namespace SigWatch.TestSupport;

/// <summary>A fresh directory under the temp dir, deleted (best effort) on dispose. Short paths keep sockets under 104 bytes.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "sw")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // .NET decodes a name that is not UTF-8 to U+FFFD and then cannot find it (RawPaths makes such names), so
            // the tree stayed; rm takes the names as bytes. Still best effort: a leftover is not worth failing a test.
            if (!OperatingSystem.IsWindows() && Directory.Exists(Path))
            {
                using var rm = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("rm", ["-rf", "--", Path]) { UseShellExecute = false });
                rm?.WaitForExit();
            }
        }
    }
}
