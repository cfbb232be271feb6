using System.Buffers.Binary;
using System.IO.Compression;
using SigWatch.Core.Archives;
using SigWatch.Core.Binary;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.Archives;

/// <summary>Zip listings from the central directory only: the real Sparkle DevSignedApp.zip, AppleDouble debris, hostile directories.</summary>
public sealed class ZipListingTests
{
    private static ZipListing List(byte[] zip) => ZipListing.Read(RandomAccessReader.Of(zip), zip.Length);

    private static byte[] Zip(params (string Name, string Content)[] entries)
    {
        using var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var writer = new StreamWriter(archive.CreateEntry(name).Open());
                writer.Write(content);
            }
        }

        return output.ToArray();
    }

    [RealFixturesFact]
    public void Read_RealDevSignedAppZip_ListsTheAppWithItsFiveFilesAndNoDebris()
    {
        var zip = File.ReadAllBytes(Path.Combine(RepoPaths.RealFixtures, "sparkle-DevSignedApp", "DevSignedApp.zip"));

        var listing = List(zip);

        var app = Assert.Single(listing.Apps);
        Assert.Equal("DevSignedApp.app", app.Path);
        Assert.Equal(5, app.Files);
        Assert.Empty(listing.AppleDouble);
    }

    [Fact]
    public void Read_ArchiveWithMacosxFolderAndDotUnderscoreFiles_ReportsThemAsAppleDoubleNotAsAppFiles()
    {
        var listing = List(Zip(
            ("Tool 2.0/Tool.app/Contents/Info.plist", "<plist/>"),
            ("Tool 2.0/Tool.app/Contents/MacOS/Tool", "bin"),
            ("Tool 2.0/Tool.app/Contents/Resources/._icon.icns", "ad"),
            ("__MACOSX/Tool 2.0/Tool.app/Contents/._Info.plist", "ad")));

        var app = Assert.Single(listing.Apps);
        Assert.Equal(("Tool 2.0/Tool.app", 2L), (app.Path, app.Files));
        Assert.Equal(["Tool 2.0/Tool.app/Contents/Resources/._icon.icns", "__MACOSX/Tool 2.0/Tool.app/Contents/._Info.plist"], listing.AppleDouble);
    }

    [Fact]
    public void Read_DirectorySizeLargerThanTheFile_IsMalformedWithoutReadingIt()
    {
        var zip = Zip(("a.txt", "a"));
        var end = zip.Length - 22;
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(end + 12), 0x7FFFFFF0);

        var e = Assert.Throws<MalformedDataException>(() => List(zip));

        Assert.Contains("outside the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CentralDirectoryOffsetPastTheEnd_IsMalformed()
    {
        var zip = Zip(("a.txt", "a"));
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(zip.Length - 22 + 16), (uint)zip.Length + 100);

        Assert.Throws<MalformedDataException>(() => List(zip));
    }

    [Fact]
    public void Read_NoEndRecord_IsNotAZip()
    {
        var e = Assert.Throws<MalformedDataException>(() => List(new byte[4096]));

        Assert.Contains("no end-of-central-directory record", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EntryWhoseSizeSaysFourGigabytes_IsListedWithThatSizeAndNothingIsInflated()
    {
        var zip = Zip(("Bomb.app/Contents/payload", new string('0', 1000)));
        var directory = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(zip.Length - 22 + 16));
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(directory + 24), 0xFFFFFFF0);

        var listing = List(zip);

        Assert.Equal(0xFFFFFFF0L, listing.UncompressedBytes);
        Assert.Equal(0xFFFFFFF0L, Assert.Single(listing.Apps).Bytes);
    }

    [Fact]
    public void Read_Zip64Archive_ListsTheSameEntriesAndSizesAsItsClassicForm()
    {
        var classic = Zip(
            ("Tool.app/Contents/Info.plist", "<plist/>"),
            ("Tool.app/Contents/MacOS/Tool", new string('b', 3000)),
            ("__MACOSX/Tool.app/Contents/._Info.plist", "ad"));

        var zip64 = ZipForms.ToZip64(classic);

        Assert.Equal(List(classic).Entries, List(zip64).Entries);
        Assert.Equal(3000L, List(zip64).Entries.Single(e => e.Name.EndsWith("/Tool", StringComparison.Ordinal)).UncompressedSize);
    }

    [Fact]
    public void Read_EndRecordDeferringToAZip64RecordThatIsNotThere_IsMalformed()
    {
        var zip64 = ZipForms.ToZip64(Zip(("a.txt", "a")));
        var locator = zip64.Length - 22 - 20;
        zip64[locator] ^= 0xFF;

        var e = Assert.Throws<MalformedDataException>(() => List(zip64));

        Assert.Contains("ZIP64 record that is not there", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Zip64LocatorPointingPastItsRecord_IsMalformed()
    {
        var zip64 = ZipForms.ToZip64(Zip(("a.txt", "a")));
        var locator = zip64.Length - 22 - 20;
        BinaryPrimitives.WriteUInt64LittleEndian(zip64.AsSpan(locator + 8), (ulong)zip64.Length);

        var e = Assert.Throws<MalformedDataException>(() => List(zip64));

        Assert.Contains("no ZIP64 end record", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Zip64RecordCountingMoreEntriesThanALongHolds_IsMalformedNotACrash()
    {
        // Found by AFL (zip-listing, from the ZIP64 seed): 2^64-1 entries became -1, passed the bound check and
        // reached a list's capacity (ArgumentOutOfRangeException).
        var zip64 = ZipForms.ToZip64(Zip(("a.txt", "a")));
        var record = (int)BinaryPrimitives.ReadUInt64LittleEndian(zip64.AsSpan(zip64.Length - 22 - 20 + 8));
        BinaryPrimitives.WriteUInt64LittleEndian(zip64.AsSpan(record + 32), ulong.MaxValue);

        Assert.Throws<MalformedDataException>(() => List(zip64));
    }

    [Fact]
    public void Read_Zip64LocatorWithNoRoomForARecordBeforeIt_IsMalformedNotACrash()
    {
        // Found by AFL: an end record 20 bytes into the file with a locator before it; "end - 56" went negative and,
        // compared as an unsigned number, let a record offset above 2^63 through: a read at a negative offset.
        var file = new byte[20 + 22];
        BinaryPrimitives.WriteUInt32LittleEndian(file, ZipListing.Zip64LocatorSignature);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(8), 0x8000_0000_8000_0000);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), ZipListing.EndSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(20 + 10), 0xFFFF);

        var e = Assert.Throws<MalformedDataException>(() => List(file));

        Assert.Contains("no ZIP64 end record", e.Message, StringComparison.Ordinal);
    }
}
