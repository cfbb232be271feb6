using System.Net.Sockets;
using System.Runtime.InteropServices;
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

        Assert.Equal(FileKind.Regular, FileKinds.Of(file));
        Assert.Equal(FileKind.Directory, FileKinds.Of(dir.Path));
        Assert.Equal(FileKind.Symlink, FileKinds.Of(link));
        Assert.Equal(FileKind.Fifo, FileKinds.Of(fifo));
        Assert.Equal(FileKind.Socket, FileKinds.Of(socketPath));
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
        Assert.Equal(FileKind.Missing, FileKinds.Of(dir.Combine("nope")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(file, "under-a-file")));
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

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(string path, uint mode = 0x180);
}
