using System.Net.Sockets;
using System.Runtime.InteropServices;
using SigWatch.Core.FileSystem;
using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests;

public sealed class FileKindsTests
{
    [Fact]
    public void Stat_TellsEveryKind_WithoutFollowingSymlinks()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "x");
        var link = dir.Combine("l");
        File.CreateSymbolicLink(link, file);
        var fifo = dir.Combine("p");
        Assert.Equal(0, MkFifo(fifo));
        var socketPath = dir.Combine("s");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        Assert.Equal(FileTreeKind.Regular, FileKinds.Of(file));
        Assert.Equal(FileTreeKind.Directory, FileKinds.Of(dir.Path));
        Assert.Equal(FileTreeKind.Symlink, FileKinds.Of(link));
        Assert.Equal(FileTreeKind.Fifo, FileKinds.Of(fifo));
        Assert.Equal(FileTreeKind.Socket, FileKinds.Of(socketPath));
        Assert.Equal(FileTreeKind.CharacterDevice, FileKinds.Of("/dev/null"));
        Assert.Equal(FileTreeKind.Missing, FileKinds.Of(dir.Combine("nope")));
        Assert.Equal(FileTreeKind.Missing, FileKinds.Of(Path.Combine(file, "under-a-file")));
    }

    [Fact]
    public void Stat_ReportsModeAndOwner()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "x");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        var status = FileKinds.Stat(file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead, status.Mode);
        Assert.Equal(ProcessIdentity.EffectiveUserId, status.OwnerUid);
    }

    [RequiresToolFact("stat", "coreutils")]
    public void StatDetails_DeviceAndInode_MatchCoreutilsStat()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "x");
        var details = FileKinds.StatDetails(file);
        Assert.Equal(CoreutilsStat(file, "%d %i"), $"{details.Device} {details.Inode}");
    }

    [Fact]
    public void StatDetails_Size_IsTheFileLength()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllBytes(file, new byte[12345]);
        Assert.Equal(12345, FileKinds.StatDetails(file).Size);
    }

    [Fact]
    public void StatDetails_ModifiedTime_FollowsSetLastWriteTime()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "x");
        var when = new DateTime(2011, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234560);
        File.SetLastWriteTimeUtc(file, when);
        Assert.Equal((when - DateTime.UnixEpoch).Ticks * 100, FileKinds.StatDetails(file).ModifiedNanoseconds);
    }

    [Fact]
    public void StatDetails_ChangedTime_IsNowEvenWhenMtimeIsBackdated()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "x");
        File.SetLastWriteTimeUtc(file, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var changed = DateTime.UnixEpoch.AddTicks(FileKinds.StatDetails(file).ChangedNanoseconds / 100);
        Assert.InRange(changed, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public void StatDetails_SameFile_SameIdentityAndDistinctFilesDiffer()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("a"), "x");
        File.WriteAllText(dir.Combine("b"), "x");
        var a = FileKinds.StatDetails(dir.Combine("a"));
        var b = FileKinds.StatDetails(dir.Combine("b"));
        Assert.Equal(a.Device, b.Device);
        Assert.NotEqual(a.Inode, b.Inode);
        Assert.Equal(a.Inode, FileKinds.StatDetails(dir.Combine("a")).Inode);
    }

    private static string CoreutilsStat(string path, string format)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["--format", format, path]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }

    [Fact]
    public void OpenRegularFile_RegularFile_IsRead()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "contents");
        using var stream = LstatFileTree.Instance.OpenRead(file);
        using var reader = new StreamReader(stream);
        Assert.Equal("contents", reader.ReadToEnd());
    }

    // What the seal walk meets when a file it saw as regular is swapped before it is read: each is refused, none is
    // followed or waited on (a FIFO without a writer would block a plain open forever; /dev/zero would never end).
    [Fact]
    public async Task OpenRegularFile_SwappedForSymlinkFifoDeviceOrDirectory_RefusedWithoutBlocking()
    {
        using var dir = new TempDirectory();
        var link = dir.Combine("link");
        File.CreateSymbolicLink(link, "/dev/zero");
        var fifo = dir.Combine("fifo");
        Assert.Equal(0, MkFifo(fifo));
        var opening = Task.Run(() => new[] { link, fifo, "/dev/zero", dir.Path, dir.Combine("gone") }
            .Select(path => Record.Exception(() => LstatFileTree.Instance.OpenRead(path).Dispose())).ToList());
        var failures = await opening.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(failures, e => Assert.IsType<IOException>(e));
        Assert.Contains("symlink", failures[0]!.Message, StringComparison.Ordinal);
        Assert.Contains("Fifo", failures[1]!.Message, StringComparison.Ordinal);
        Assert.Contains("CharacterDevice", failures[2]!.Message, StringComparison.Ordinal);
        Assert.Contains("Directory", failures[3]!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListEntries_EveryKind_AgreesWithLstatOfEachPath_InOrdinalOrder()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("f"), "12345");
        Directory.CreateDirectory(dir.Combine("d"));
        File.CreateSymbolicLink(dir.Combine("l"), dir.Combine("f"));
        File.CreateSymbolicLink(dir.Combine("dangling"), dir.Combine("nowhere"));
        Assert.Equal(0, MkFifo(dir.Combine("p")));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(dir.Combine("s")));

        var entries = FileKinds.ListEntries(dir.Path);

        // In ordinal order as listed (both walks rely on it to skip sorting).
        Assert.Equal(["d", "dangling", "f", "l", "p", "s"], entries.Select(e => e.Name));
        foreach (var entry in entries)
        {
            var lstat = FileKinds.StatDetails(dir.Combine(entry.Name));
            Assert.Equal((lstat.Status.Kind, lstat.Size, lstat.Device, lstat.Inode, lstat.ModifiedNanoseconds, lstat.ChangedNanoseconds),
                (entry.Kind, entry.Size, entry.Device, entry.Inode, entry.ModifiedNanoseconds, entry.ChangedNanoseconds));
        }

        Assert.Equal([FileTreeKind.Directory, FileTreeKind.Symlink, FileTreeKind.Regular, FileTreeKind.Symlink, FileTreeKind.Fifo, FileTreeKind.Socket],
            entries.Select(e => e.Kind));
    }

    [Fact]
    public void ListEntries_ASymlinkToADirectory_ListsTheTarget_AsOpendirDoes()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("real"));
        File.WriteAllText(dir.Combine("real", "inside"), "x");
        File.CreateSymbolicLink(dir.Combine("link"), dir.Combine("real"));

        var entry = Assert.Single(FileKinds.ListEntries(dir.Combine("link")));
        Assert.Equal(("inside", FileTreeKind.Regular, 1L), (entry.Name, entry.Kind, entry.Size));
    }

    [Fact]
    public void ListEntries_OneAfterAnother_OnOneThread_EachHasOnlyItsOwnEntries()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("many"));
        Directory.CreateDirectory(dir.Combine("one"));
        for (var i = 0; i < 300; i++)
        {
            File.WriteAllText(dir.Combine("many", $"f{i:D3}"), "x");
        }

        File.WriteAllText(dir.Combine("one", "only"), "x");

        var many = FileKinds.ListEntries(dir.Combine("many"));
        Assert.ThrowsAny<IOException>(() => FileKinds.ListEntries(dir.Combine("nope")));
        var one = FileKinds.ListEntries(dir.Combine("one"));

        Assert.Equal(300, many.Length);
        Assert.Equal(["only"], one.Select(e => e.Name));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"f{i:D3}"), many.Select(e => e.Name));
    }

    [Fact]
    public void ListEntries_AFileOrAMissingPath_IsAnIOExceptionNamingIt()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("f");
        File.WriteAllText(file, "x");
        Assert.Equal(0, MkFifo(dir.Combine("p")));

        // The FIFO is refused without waiting for a writer: O_DIRECTORY fails before anything is opened.
        foreach (var (path, reason) in new[] { (file, "Not a directory"), (dir.Combine("p"), "Not a directory"), (dir.Combine("nope"), "No such file") })
        {
            var error = Assert.Throws<IOException>(() => FileKinds.ListEntries(path));
            Assert.Contains($"cannot list {path}", error.Message, StringComparison.Ordinal);
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(string path, uint mode = 0x180);
}
