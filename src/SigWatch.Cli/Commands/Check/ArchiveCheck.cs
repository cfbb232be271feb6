using System.Text.Json;
using SigWatch.Cli.Output;
using SigWatch.Core.Archives;
using SigWatch.Core.Binary;
using Spectre.Console;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// <c>sigwatch check APP.zip</c>: what a zip archive holds, from its central directory only (nothing is extracted):
/// the apps inside with their files and sizes, AppleDouble debris that would break their seals, symlinks, the
/// archive's quarantine. An archive carries no signature: the verdict is "unsigned" (exit 1); unpack, then check the app.
/// </summary>
internal sealed class ArchiveCheck(CliConsole console, string path, bool json)
{
    public const string Kind = "archive";

    /// <summary>Expanding more than this many times, to more than 1 GiB, is reported as a likely zip bomb.</summary>
    private const long BombRatio = 100;

    public int Execute()
    {
        ZipListing listing;
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            listing = ZipListing.Read(RandomAccessReader.Of(file), RandomAccess.GetLength(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"sigwatch: cannot read {path}: {e.Message}");
            return ExitCodes.CannotRead;
        }
        catch (MalformedDataException e)
        {
            console.Error.WriteLine($"sigwatch: {path}: not a usable zip archive: {e.Message}");
            return ExitCodes.Invalid;
        }

        var quarantine = CheckRequirements.ReadQuarantine(path);
        var bomb = listing.UncompressedBytes > (1L << 30) && listing.UncompressedBytes > BombRatio * Math.Max(1, listing.CompressedBytes);
        if (json)
        {
            var output = new CheckJsonOutput(path, Kind, "unsigned", null, [])
            {
                Quarantine = CheckCommand.QuarantineJson(quarantine),
                Archive = new CheckJsonArchive(listing.Entries.Count, listing.CompressedBytes, listing.UncompressedBytes, bomb,
                    [.. listing.Apps.Select(a => new CheckJsonArchiveApp(a.Path, a.Files, a.Bytes))], listing.AppleDouble.Count,
                    [.. listing.AppleDouble.Take(20)], listing.Symlinks),
            };
            console.Out.WriteLine(JsonSerializer.Serialize(output, CheckJsonContext.Relaxed.CheckJsonOutput));
            return ExitCodes.Invalid;
        }

        var o = console.Ansi;
        o.WriteLine($"Archive={path}");
        o.WriteLine($"Entries={listing.Entries.Count}, {listing.CompressedBytes} bytes compressed, {listing.UncompressedBytes} bytes unpacked (nothing was extracted)");
        if (bomb)
        {
            o.MarkupLine(Styles.Warn($"warning: it expands {listing.UncompressedBytes / Math.Max(1, listing.CompressedBytes)} times, to {Format.Size(listing.UncompressedBytes)}: a zip bomb? Do not unpack it."));
        }

        foreach (var app in listing.Apps)
        {
            o.WriteLine($"App={app.Path} ({app.Files} files, {Format.Size(app.Bytes)})");
        }

        if (listing.Apps.Count == 0)
        {
            o.WriteLine("App=none (no .app bundle inside)");
        }

        if (listing.Symlinks > 0)
        {
            o.WriteLine($"Symlinks={listing.Symlinks} (an unpacker that drops them breaks frameworks' seals)");
        }

        if (listing.AppleDouble.Count > 0)
        {
            o.MarkupLine($"[bold]diagnosis appledouble[/]: {Styles.Escape($"{listing.AppleDouble.Count} AppleDouble entries (__MACOSX/, ._*), e.g. {listing.AppleDouble[0]}: unpacked by a tool that does not merge them (unzip, 7-Zip, a Linux or Windows share), they land inside the app as extra files and break its seal")}");
            o.WriteLine("  remedy: unpack with Finder (Archive Utility) or `ditto -x -k`, which merge them; or ask for an archive made with `ditto -c -k --keepParent` or zip -X");
        }

        if (quarantine is not null)
        {
            o.WriteLine($"Quarantine: {quarantine.Describe()}");
        }

        o.MarkupLine($"Verdict: {Styles.Warn("unsigned")} (an archive carries no signature: unpack it, then check the app)");
        return ExitCodes.Invalid;
    }
}
