using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Plist;
using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests;

/// <summary>Real extended attributes on the test filesystem (Linux: the user.* namespace).</summary>
public sealed class ExtendedAttributesTests
{
    private static readonly ExtendedAttributes s_xattrs = ExtendedAttributes.Instance;

    [Fact]
    public void SetGetListRemove_RoundTripsUnderTheMacOSName()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("App.zip");
        File.WriteAllText(file, "zip");
        s_xattrs.Set(file, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);

        Assert.Equal("0083;6723b9fa;Safari;"u8.ToArray(), s_xattrs.Get(file, ExtendedAttributeNames.Quarantine));
        Assert.Contains(ExtendedAttributeNames.Quarantine, s_xattrs.List(file));
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains("user.com.apple.quarantine", ListNative(file));
        }

        Assert.True(s_xattrs.Remove(file, ExtendedAttributeNames.Quarantine));
        Assert.False(s_xattrs.Remove(file, ExtendedAttributeNames.Quarantine));
        Assert.Null(s_xattrs.Get(file, ExtendedAttributeNames.Quarantine));
    }

    [Fact]
    public void Get_ThroughASymlink_DoesNotFollowIt()
    {
        using var dir = new TempDirectory();
        var target = dir.Combine("target");
        File.WriteAllText(target, "x");
        s_xattrs.Set(target, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);
        var link = dir.Combine("link");
        File.CreateSymbolicLink(link, target);

        Assert.Null(s_xattrs.Get(link, ExtendedAttributeNames.Quarantine));
        Assert.DoesNotContain(ExtendedAttributeNames.Quarantine, s_xattrs.List(link));
    }

    [LinuxFact]
    public void Get_SambaStreamsXattrSpelling_IsReadUnderTheMacOSName()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("FromAMac.zip");
        File.WriteAllText(file, "zip");
        // What vfs_streams_xattr stores when a Mac writes the quarantine stream to a Linux share.
        SetNative(file, "user.DosStream.com.apple.quarantine:$DATA", "0083;6723b9fa;Safari;"u8);

        Assert.Equal("0083;6723b9fa;Safari;"u8.ToArray(), s_xattrs.Get(file, ExtendedAttributeNames.Quarantine));
        Assert.Equal([ExtendedAttributeNames.Quarantine], s_xattrs.List(file));
    }

    [Fact]
    public void Get_MissingFile_IsATypedErrorNamingThePath()
    {
        var e = Assert.Throws<ExtendedAttributeException>(() => s_xattrs.Get("/no/such/file", ExtendedAttributeNames.Quarantine));
        Assert.Contains("/no/such/file", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Errno);
    }

    [Fact]
    public void Assess_BundleWithQuarantinedFilesInside_ListsThem()
    {
        using var dir = new TempDirectory();
        var app = AppTree.Create(dir.Combine("Q.app"), "com.example.q", resources: 3);
        s_xattrs.Set(app, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);
        s_xattrs.Set(Path.Combine(app, "Contents", "Resources", "r1.txt"), ExtendedAttributeNames.Quarantine, "0081;6723b9fa;Mail;"u8);
        s_xattrs.Set(app, ExtendedAttributeNames.WhereFroms, BinaryPropertyListWriter.Write(new PlistArray(new PlistString("https://example.com/Q.zip"))));

        var facts = new BundleAssessor(new BundleAssessorOptions { Tree = LstatFileTree.Instance, ExtendedAttributes = s_xattrs }).Assess(app)!.Facts;
        var story = facts.Quarantine!;
        Assert.Equal((ushort)0x0083, story.Quarantine!.Flags);
        Assert.Equal(1, story.QuarantinedFileCount);
        Assert.Equal([Path.Combine("Contents", "Resources", "r1.txt")], story.QuarantinedFiles);
        Assert.Equal(["https://example.com/Q.zip"], story.WhereFroms);
        Assert.StartsWith("Downloaded by Safari from https://example.com/Q.zip", story.Describe(), StringComparison.Ordinal);
    }

    private static unsafe IReadOnlyList<string> ListNative(string path)
    {
        var buffer = new byte[4096];
        nint length;
        fixed (byte* p = buffer)
        {
            length = Interop.Libc.LinuxLListXattr(path, p, (nuint)buffer.Length);
        }

        Assert.True(length >= 0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    private static unsafe void SetNative(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value)
        {
            Assert.Equal(0, Interop.Libc.LinuxLSetXattr(path, name, p, (nuint)value.Length, 0));
        }
    }
}
