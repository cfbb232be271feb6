using System.Text.Json;
using SigWatch.Cli.Output;
using SigWatch.Core.DiskImages;
using SigWatch.Core.Verification;
using Spectre.Console;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// <c>sigwatch check IMAGE.dmg</c>: a UDIF disk image's embedded signature (<see cref="DiskImageVerifier"/>), with the
/// same text and JSON contract as a Mach-O (kind "disk-image") plus the trailer's signature fields and the stapled
/// notarization ticket. Exit codes as for any check: 0 valid, 1 invalid or unsigned, 5 unreadable.
/// </summary>
internal sealed class DiskImageCheck(CliConsole console, string path, bool json)
{
    public string? Requirement { get; init; }

    public bool Entitlements { get; init; }

    public int Execute()
    {
        DiskImageReport image;
        try
        {
            image = new DiskImageVerifier().Verify(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"sigwatch: cannot read {path}: {e.Message}");
            return ExitCodes.CannotRead;
        }

        var report = image.Report;
        var extras = CheckRequirements.Evaluate(report, Requirement, path);
        if (json)
        {
            var output = CheckCommand.WithExtras(CheckCommand.ToJson(report), extras) with { DiskImage = ToJson(image) };
            console.Out.WriteLine(JsonSerializer.Serialize(output, CheckJsonContext.Relaxed.CheckJsonOutput));
        }
        else
        {
            var o = console.Ansi;
            SignatureText.Write(o, report, path, SignatureText.MachOFormat(report), bundle: null, Entitlements);
            if (image.Trailer is { } trailer)
            {
                o.WriteLine(trailer.IsSigned
                    ? $"Disk image signature=0x{trailer.SignatureOffset:x} ({trailer.SignatureLength} bytes, named by the koly trailer version {trailer.Version})"
                    : $"Disk image signature=none (koly trailer version {trailer.Version})");
            }

            o.WriteLine(image.Ticket switch
            {
                null => "Notarization Ticket=none stapled (Gatekeeper asks Apple online)",
                { Match: TicketMatch.NamesThisCdHash } t => $"Notarization Ticket=stapled ({t.Bytes} bytes; names this image's cdhash; its Apple signature is not verified offline)",
                { } t => $"Notarization Ticket=stapled ({t.Bytes} bytes; whether it names this image cannot be told: the ticket's format is undocumented)",
            });
            foreach (var finding in report.Findings)
            {
                SignatureText.WriteFinding(o, finding, report.Path);
            }

            extras.WriteHuman(o);
            SignatureText.WriteVerdict(o, report.Verdict, report.Classification);
        }

        if (extras.Requested?.SyntaxError is { } syntax)
        {
            console.Error.WriteLine($"sigwatch: --requirement: {syntax.Message}");
        }

        return extras.CombineExitCode(report.Verdict == SignatureVerdict.Valid ? ExitCodes.Ok : ExitCodes.Invalid);
    }

    internal static CheckJsonDiskImage ToJson(DiskImageReport image) => new(
        image.Trailer?.Version,
        image.Trailer?.DataForkLength,
        image.Trailer?.SignatureOffset,
        image.Trailer?.SignatureLength,
        image.Ticket is not null,
        image.Ticket?.Bytes,
        image.Ticket switch
        {
            null => null,
            { Match: TicketMatch.NamesThisCdHash } => "yes",
            _ => "unknown",
        });
}
