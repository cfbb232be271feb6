using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;
using static SigWatch.Core.Tests.Seal.SealTesting;

namespace SigWatch.Core.Tests.Seal;

/// <summary>Hostile trees: every case ends in findings or a clear error, in bounded time, and nothing is opened that must not be.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class HostileFileSystemTests : IDisposable
{
    // A hang guard, not a performance target: generous because test machines are shared.
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _temp = new("hostile");

    public void Dispose() => _temp.Dispose();

    private string App() => new BundleBuilder("Test.app").WithFile("Resources/a.txt", "a").WithFile("Resources/b.txt", "b").Build(_temp.Path);

    private static string Resources(string app, string name = "") => Path.Combine(app, "Contents", "Resources", name);

    // A verification that hangs (e.g. on a FIFO opened for reading) fails the test instead of blocking the run.
    private static BundleVerificationReport Bounded(Func<BundleVerificationReport> verify)
    {
        var task = Task.Run(verify);
        Assert.True(task.Wait(s_bound), $"verification did not finish within {s_bound}");
        return task.Result;
    }

    [Fact]
    public void Verify_SymlinkLoops_AreSealedAsLinksNeverFollowed()
    {
        var app = App();
        File.CreateSymbolicLink(Resources(app, "loop1"), "loop2");
        File.CreateSymbolicLink(Resources(app, "loop2"), "loop1");
        File.CreateSymbolicLink(Resources(app, "self"), ".");
        var report = Bounded(() => Verify(app));
        Assert.Equal(["file-added Resources/loop1", "file-added Resources/loop2", "file-added Resources/self"], Errors(report));
    }

    [Fact]
    public void Verify_AddedSymlinkEscaping_OnlyAdded()
    {
        // SEC checks symlink destinations only for sealed symlinks (validateSymlinkResource); an added one is "added".
        var app = App();
        File.CreateSymbolicLink(Resources(app, "out"), "../../../../etc");
        Assert.Equal(["file-added Resources/out"], Errors(Bounded(() => Verify(app))));
    }

    [Fact]
    public void Verify_DsStoreSymlink_Rejected()
    {
        var app = App();
        File.CreateSymbolicLink(Resources(app, ".DS_Store"), "a.txt");
        File.WriteAllText(Resources(app, "../.DS_Store"), "plain .DS_Store files are omitted");
        Assert.Equal(["unsupported-file-type Resources/.DS_Store"], Errors(Bounded(() => Verify(app))));
    }

    [Fact]
    public void Verify_Fifo_ReportedAndNeverOpened()
    {
        var app = App();
        Assert.Equal(0, MkFifo(Resources(app, "pipe"), 0x1A4));
        var report = Bounded(() => Verify(app));
        Assert.Equal(["unsupported-file-type Resources/pipe"], Errors(report));
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
    }

    [Fact]
    public void Verify_SealedFileReplacedByFifo_UnsupportedNotMissing()
    {
        var app = App();
        File.Delete(Resources(app, "a.txt"));
        Assert.Equal(0, MkFifo(Resources(app, "a.txt"), 0x1A4));
        Assert.Equal(["unsupported-file-type Resources/a.txt"], Errors(Bounded(() => Verify(app))));
    }

    [Fact]
    public void Verify_DeviceNodes_ReportedAndNeverOpened()
    {
        var app = App();
        File.WriteAllText(Resources(app, "tty"), "stand-in");
        File.WriteAllText(Resources(app, "disk"), "stand-in");
        var tree = new ScriptedTree { Kinds = { [Resources(app, "tty")] = FileTreeKind.CharacterDevice, [Resources(app, "disk")] = FileTreeKind.BlockDevice } };
        var report = Bounded(() => new BundleVerifier(tree).Verify(app));
        Assert.Equal(["unsupported-file-type Resources/disk", "unsupported-file-type Resources/tty"], Errors(report));
        Assert.Empty(tree.OpenedSpecial);
    }

    [Fact]
    public void Verify_FileVanishingBeforeHashing_Unreadable()
    {
        var app = App();
        var tree = new ScriptedTree { VanishOnOpen = { Resources(app, "b.txt") } };
        var report = Bounded(() => new BundleVerifier(tree).Verify(app));
        Assert.Equal(["unreadable Resources/b.txt"], Errors(report));
    }

    [Fact]
    public void Verify_FileThatGrewOrShrankAfterItWasListed_IsHashedToItsEnd()
    {
        var app = App();
        // The files now hold their sealed byte and more ("a") or nothing ("b"); the listing claims the sealed length.
        File.WriteAllText(Resources(app, "a.txt"), "a and more");
        File.WriteAllText(Resources(app, "b.txt"), "");
        var tree = new ScriptedTree { Sizes = { [Resources(app, "a.txt")] = 1, [Resources(app, "b.txt")] = 1 } };
        var report = Bounded(() => new BundleVerifier(tree).Verify(app));
        Assert.Equal(["file-modified Resources/a.txt", "file-modified Resources/b.txt"], Errors(report));
    }

    [Fact]
    public void Verify_FilesOfTheListedSize_AreReadOnceEach()
    {
        var app = App();
        var tree = new ScriptedTree();
        var report = Bounded(() => new BundleVerifier(tree).Verify(app));
        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        // Every file hashed through a handle is read once: the listing's size says where the end is, so there is no
        // read only to find it.
        Assert.All(tree.Reads, r => Assert.Equal(1, r.Value));
        Assert.Contains(Resources(app, "a.txt"), tree.Reads.Keys);
    }

    [Fact]
    public void Verify_EntryVanishingBetweenListAndStat_Unreadable()
    {
        var app = App();
        var tree = new ScriptedTree { Kinds = { [Resources(app, "a.txt")] = FileTreeKind.Missing } };
        var report = Bounded(() => new BundleVerifier(tree).Verify(app));
        Assert.Equal(["unreadable Resources/a.txt"], Errors(report));
        Assert.Contains("vanished", report.Findings[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_DirectoryUnlistable_Unreadable()
    {
        var app = App();
        Directory.CreateDirectory(Resources(app, "locked"));
        var tree = new ScriptedTree { Unlistable = { Resources(app, "locked") } };
        Assert.Equal(["unreadable Resources/locked"], Errors(Bounded(() => new BundleVerifier(tree).Verify(app))));
    }

    [Fact]
    public void Verify_NameNotUtf8_IsAnAddedFileNamedExactly()
    {
        var app = App();
        var name = Path.Combine(app, "Contents", "Resources");
        byte[] path = [.. System.Text.Encoding.UTF8.GetBytes(name + "/bad-"), 0xFF, 0xFE, (byte)'.', (byte)'t', 0];
        var fd = Creat(path, 0x1A4);
        Assert.True(fd >= 0);
        Close(fd);
        var report = Bounded(() => Verify(app));
        var error = Assert.Single(report.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal(FindingKind.FileAdded, error.Kind);
        Assert.Equal(@"Resources/bad-\xff\xfe.t", FileNames.Display(error.Path!));
    }

    [Fact]
    public void Verify_ThousandDeepDirectories_WalksWithoutRecursionAndFindsTheLeaf()
    {
        var app = App();
        var deep = Resources(app, string.Join('/', Enumerable.Repeat("d", 1000)));
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "leaf"), "x");
        var report = Bounded(() => Verify(app));
        Assert.Equal(["file-added Resources/" + string.Join('/', Enumerable.Repeat("d", 1000)) + "/leaf"], Errors(report));
    }

    [Fact]
    public void Verify_DepthBeyondTheBound_ReportedNotDescended()
    {
        var app = App();
        Directory.CreateDirectory(Resources(app, "x/y/z/w"));
        var report = Bounded(() => Verify(app, new BundleVerifierOptions { MaxDirectoryDepth = 3 }));
        Assert.Equal(["unreadable Resources/x/y/z"], Errors(report));
    }

    [Fact]
    public void Verify_HundredThousandAddedFiles_AllReportedInBoundedTime()
    {
        var app = App();
        for (var d = 0; d < 100; d++)
        {
            var dir = Directory.CreateDirectory(Resources(app, $"bulk/{d:D3}")).FullName;
            for (var f = 0; f < 1000; f++)
            {
                File.Create(Path.Combine(dir, f.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).Dispose();
            }
        }

        var clock = Stopwatch.StartNew();
        var report = Bounded(() => Verify(app));
        Assert.Equal(100_000, report.Findings.Count(f => f.Kind == FindingKind.FileAdded));
        Assert.True(clock.Elapsed < s_bound, clock.Elapsed.ToString());
    }

    [Fact]
    public void Verify_MoreEntriesThanTheBound_StopsWithUnreadable()
    {
        var app = App();
        for (var f = 0; f < 50; f++)
        {
            File.Create(Resources(app, $"x{f:D2}")).Dispose();
        }

        var report = Bounded(() => Verify(app, new BundleVerifierOptions { MaxEntries = 20 }));
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.Unreadable && f.Detail.Contains("more than 20 entries", StringComparison.Ordinal));
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    internal static extern int MkFifo(string path, uint mode);

    [DllImport("libc", EntryPoint = "creat", SetLastError = true)]
    private static extern int Creat(byte[] path, uint mode);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    /// <summary>The real lstat tree with scripted lies: kinds for chosen paths, files that vanish on open, directories that cannot be listed.</summary>
    private sealed class ScriptedTree : IFileTree
    {
        public Dictionary<string, FileTreeKind> Kinds { get; } = new(StringComparer.Ordinal);

        public HashSet<string> VanishOnOpen { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Unlistable { get; } = new(StringComparer.Ordinal);

        public List<string> OpenedSpecial { get; } = [];

        /// <summary>Sizes the listing reports instead of the real ones (a file changed between listing and reading).</summary>
        public Dictionary<string, long> Sizes { get; } = new(StringComparer.Ordinal);

        /// <summary>Reads made through <see cref="ReadAt"/>, per path.</summary>
        public Dictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

        private readonly Dictionary<Microsoft.Win32.SafeHandles.SafeFileHandle, string> _opened = [];

        public FileTreeEntry Stat(string path) => Adjust(path, LstatFileTree.Instance.Stat(path));

        public IReadOnlyList<FileTreeEntry> List(string directory) => Unlistable.Contains(directory)
            ? throw new UnauthorizedAccessException("Permission denied")
            : [.. LstatFileTree.Instance.List(directory).Select(e => Adjust(Path.Combine(directory, e.Name), e))];

        public Stream OpenRead(string path)
        {
            if (Kinds.ContainsKey(path))
            {
                lock (OpenedSpecial)
                {
                    OpenedSpecial.Add(path);
                }
            }

            return VanishOnOpen.Contains(path) ? throw new FileNotFoundException("No such file or directory", path) : LstatFileTree.Instance.OpenRead(path);
        }

        // Scripted kinds and vanishing files go through OpenRead, which records and refuses them.
        public Microsoft.Win32.SafeHandles.SafeFileHandle? OpenHandle(string path)
        {
            if (Kinds.ContainsKey(path) || VanishOnOpen.Contains(path))
            {
                return null;
            }

            var handle = LstatFileTree.Instance.OpenHandle(path);
            lock (_opened)
            {
                _opened[handle] = path;
            }

            return handle;
        }

        public int ReadAt(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
        {
            lock (_opened)
            {
                var path = _opened[handle];
                Reads[path] = Reads.GetValueOrDefault(path) + 1;
            }

            return LstatFileTree.Instance.ReadAt(handle, buffer, offset);
        }

        public string? ReadLink(string path) => LstatFileTree.Instance.ReadLink(path);

        private FileTreeEntry Adjust(string path, FileTreeEntry entry)
        {
            entry = Kinds.TryGetValue(path, out var kind) ? entry with { Kind = kind } : entry;
            return Sizes.TryGetValue(path, out var size) ? entry with { Size = size } : entry;
        }
    }
}
