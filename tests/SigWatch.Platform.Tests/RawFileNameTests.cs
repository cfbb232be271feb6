using SigWatch.Core.FileSystem;
using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests;

/// <summary>Names that are not valid UTF-8 are listed, examined, opened and linked to exactly (FileNames, readdir, PathMarshaller).</summary>
public sealed class RawFileNameTests
{
    private static readonly byte[] s_badName = [(byte)'B', (byte)'a', (byte)'d', 0xFF, 0xFE, (byte)'.', (byte)'t', (byte)'x', (byte)'t'];

    [LinuxFact]
    public void List_NameNotUtf8_ComesBackExactlyAndCanBeStatOpenedAndRead()
    {
        using var dir = new TempDirectory();
        var path = RawPaths.Join(dir.Path, s_badName);
        RawPaths.CreateFile(path, "content"u8);
        File.WriteAllText(dir.Combine("good.txt"), "g");

        var entries = LstatFileTree.Instance.List(dir.Path).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

        var bad = entries.Single(e => FileNames.HasRawBytes(e.Name));
        Assert.Equal(s_badName, FileNames.Encode(bad.Name));
        Assert.Equal(@"Bad\xff\xfe.txt", FileNames.Display(bad.Name));
        Assert.Equal(FileTreeKind.Regular, bad.Kind);
        Assert.Equal(7, bad.Size);
        Assert.Equal("content"u8.ToArray(), LstatFileTree.Instance.ReadSmallFile(path, 100).Bytes.ToArray());
        // .NET's own enumeration cannot do this: it substitutes U+FFFD and the file cannot be found again by that name.
        Assert.Contains(Directory.EnumerateFiles(dir.Path), p => p.Contains('\uFFFD', StringComparison.Ordinal));
    }

    [LinuxFact]
    public void ReadLink_TargetNotUtf8_IsExact()
    {
        using var dir = new TempDirectory();
        var target = FileNames.Decode(s_badName);
        var link = dir.Combine("link");
        RawPaths.CreateSymlink(link, target);

        Assert.Equal(target, LstatFileTree.Instance.ReadLink(link));
        Assert.Equal(FileTreeKind.Symlink, LstatFileTree.Instance.Stat(link).Kind);
    }

    [LinuxFact]
    public void ExtendedAttributes_OnANameNotUtf8_AreSetAndRead()
    {
        using var dir = new TempDirectory();
        var path = RawPaths.Join(dir.Path, s_badName);
        RawPaths.CreateFile(path, "x"u8);

        ExtendedAttributes.Instance.Set(path, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);

        Assert.Equal("0083;6723b9fa;Safari;"u8.ToArray(), ExtendedAttributes.Instance.Get(path, ExtendedAttributeNames.Quarantine));
    }

    // PathMarshaller encodes paths that fit its 512-byte stack buffer there and larger ones on the native heap: both
    // sides of that line, with and without bytes that are not UTF-8, reach the system call exactly.
    [LinuxTheory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public void Paths_ShorterAndLongerThanTheStackBuffer_AreExaminedOpenedAndListedExactly(int levels, bool rawName)
    {
        using var dir = new TempDirectory();
        var path = dir.Path;
        for (var i = 0; i < levels; i++)
        {
            path = Path.Combine(path, new string((char)('a' + i), 200));
            Directory.CreateDirectory(path);
        }

        var file = rawName ? RawPaths.Join(path, s_badName) : Path.Combine(path, "f.txt");
        RawPaths.CreateFile(file, "content"u8);
        ExtendedAttributes.Instance.Set(file, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);

        Assert.Equal(levels > 2, FileNames.Encode(file).Length > 512);
        Assert.Equal(FileTreeKind.Regular, LstatFileTree.Instance.Stat(file).Kind);
        Assert.Equal(7, Assert.Single(LstatFileTree.Instance.List(path)).Size);
        Assert.Equal("content"u8.ToArray(), LstatFileTree.Instance.ReadSmallFile(file, 100).Bytes.ToArray());
        Assert.Equal([ExtendedAttributeNames.Quarantine], ExtendedAttributes.Instance.List(file));
    }

    [LinuxFact]
    public void Path_WithANulCharacter_IsRefusedBeforeAnySystemCall()
    {
        using var dir = new TempDirectory();

        var error = Assert.Throws<ArgumentException>(() => FileKinds.StatDetails(dir.Combine("a\0b")));

        Assert.Contains("NUL byte", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileNames_DecodeEncodeDisplay_RoundTripEveryByteString()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 24)];
            random.NextBytes(bytes);
            bytes = [.. bytes.Where(b => b != 0)];
            var name = FileNames.Decode(bytes);

            Assert.Equal(bytes, FileNames.Encode(name));
            Assert.Equal(name, FileNames.FromDisplay(FileNames.Display(name)));
            Assert.True(System.Text.Unicode.Utf8.IsValid(System.Text.Encoding.UTF8.GetBytes(FileNames.Display(name))));
        }
    }

    [Fact]
    public void FileNames_ValidTextWithABackslash_DisplaysDoubledAndComesBack()
    {
        Assert.Equal(@"a\\b", FileNames.Display(@"a\b"));
        Assert.Equal(@"a\b", FileNames.FromDisplay(@"a\\b"));
        Assert.Equal(@"C:\temp", FileNames.FromDisplay(@"C:\temp")); // an unescaped backslash means itself
        Assert.Equal("café", FileNames.Display("café"));
    }
}
