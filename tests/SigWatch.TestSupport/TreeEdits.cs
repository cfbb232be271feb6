namespace SigWatch.TestSupport;

/// <summary>One random edit of a directory tree: what it does is chosen by <see cref="Kind"/>, where by <see cref="Target"/>.</summary>
public sealed record TreeEdit(string Kind, int Target, int Salt)
{
    public override string ToString() => $"{Kind}({Target},{Salt})";
}

/// <summary>
/// Applies <see cref="TreeEdit"/>s to a real directory tree and returns the paths a file-system watcher reports for each
/// (created, deleted, written, both names of a rename), for tests of everything that re-examines only what changed.
/// A new directory is reported only by the file created deep inside it, the case a watcher that adds its watch late
/// produces. Edits never go through a symlink (a watcher would report the target's path, not the link's).
/// </summary>
public static class TreeEdits
{
    public const string Nfc = "caf\u00e9.txt";
    public const string Nfd = "cafe\u0301.txt";

    /// <summary>Every kind <see cref="Apply"/> knows; "nfd" and "restore" rename <see cref="Nfc"/> in the tree's top directory back and forth.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["write", "add", "delete", "mkdir", "rmdir", "rename", "symlink", "nfd", "restore"];

    public static string[] Apply(string root, TreeEdit edit)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).LinkTarget is null).Order(StringComparer.Ordinal).ToList();
        var directories = Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories)
            .Where(d => new DirectoryInfo(d).LinkTarget is null).Order(StringComparer.Ordinal).ToList();
        string Pick(List<string> from) => from[edit.Target % from.Count];
        string SomeDirectory() => directories.Count > 0 ? Pick(directories) : root;
        switch (edit.Kind)
        {
            case "write" when files.Count > 0:
                return Write(Pick(files), new string('w', 1 + (edit.Salt % 7)));
            case "delete" when files.Count > 0:
                var deleted = Pick(files);
                File.Delete(deleted);
                return [deleted];
            case "add":
                return Write(Path.Combine(SomeDirectory(), $"n{edit.Salt}.txt"), "n");
            case "mkdir":
                var made = Path.Combine(SomeDirectory(), $"d{edit.Salt}");
                Directory.CreateDirectory(Path.Combine(made, "inner"));
                File.WriteAllText(Path.Combine(made, "top.txt"), "t");
                return Write(Path.Combine(made, "inner", "x.txt"), "x");
            case "rmdir" when directories.Count > 0:
                var gone = Pick(directories);
                Directory.Delete(gone, recursive: true);
                return [gone];
            case "rename" when directories.Count > 0:
                var from = Pick(directories);
                Directory.Move(from, from + "-moved" + edit.Salt);
                return [from, from + "-moved" + edit.Salt];
            case "symlink" when files.Count > 0:
                var replaced = Pick(files);
                File.Delete(replaced);
                File.CreateSymbolicLink(replaced, "elsewhere" + edit.Salt);
                return [replaced];
            case "nfd" when File.Exists(Path.Combine(root, Nfc)):
                File.Move(Path.Combine(root, Nfc), Path.Combine(root, Nfd));
                return [Path.Combine(root, Nfc), Path.Combine(root, Nfd)];
            case "restore" when File.Exists(Path.Combine(root, Nfd)):
                File.Move(Path.Combine(root, Nfd), Path.Combine(root, Nfc));
                return [Path.Combine(root, Nfd), Path.Combine(root, Nfc)];
            default:
                return [];
        }
    }

    /// <summary>Writes a file (creating its directory) dated a minute ahead, so "changed after signing" is unambiguous.</summary>
    public static string[] Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        // File times come from the kernel's coarse clock.
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        return [path];
    }
}
