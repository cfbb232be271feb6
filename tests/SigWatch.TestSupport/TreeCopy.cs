namespace SigWatch.TestSupport;

/// <summary>Copies a directory tree as it is: symlinks stay symlinks (never followed), files get owner write permission.</summary>
public static class TreeCopy
{
    public static void Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var info in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var destination = Path.Combine(target, info.Name);
            if (info.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(destination, link);
            }
            else if (info is DirectoryInfo)
            {
                Copy(info.FullName, destination);
            }
            else
            {
                File.Copy(info.FullName, destination);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }

                File.SetLastWriteTimeUtc(destination, File.GetLastWriteTimeUtc(info.FullName));
            }
        }
    }
}
