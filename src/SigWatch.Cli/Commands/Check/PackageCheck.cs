using System.Text.Json;
using SigWatch.Cli.Output;
using SigWatch.Core.Packages;
using SigWatch.Core.Verification;
using Spectre.Console;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// <c>sigwatch check INSTALLER.pkg</c>: a flat installer package (<see cref="PackageVerifier"/>), answered as
/// <c>pkgutil --check-signature</c> does (status, signing time, certificate chain with SHA-256 fingerprints) plus the
/// TOC checksum, every file's archived checksum, the stapled ticket and the component packages, and our verdict.
/// A requirement (--requirement) applies to code signatures only and is refused here. Exit codes as for any check.
/// </summary>
internal sealed class PackageCheck(CliConsole console, string path, bool json)
{
    public int Execute()
    {
        PackageReport report;
        try
        {
            report = new PackageVerifier().Verify(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"sigwatch: cannot read {path}: {e.Message}");
            return ExitCodes.CannotRead;
        }

        var quarantine = CheckRequirements.ReadQuarantine(path);
        if (json)
        {
            var output = new CheckJsonOutput(path, PackageVerifier.Kind, SignatureText.Verdict(report.Verdict), null,
                [.. report.Findings.Select(f => new CheckJsonFinding(f.KindName, f.Severity.ToString().ToLowerInvariant(), f.Path, f.Architecture, f.Detail, f.Offset))])
            {
                Quarantine = CheckCommand.QuarantineJson(quarantine),
                InstallerPackage = ToJson(report),
            };
            console.Out.WriteLine(JsonSerializer.Serialize(output, CheckJsonContext.Relaxed.CheckJsonOutput));
        }
        else
        {
            WriteHuman(console.Ansi, report, quarantine);
        }

        return report.Verdict == SignatureVerdict.Valid ? ExitCodes.Ok : ExitCodes.Invalid;
    }

    private static void WriteHuman(IAnsiConsole o, PackageReport report, Core.Quarantine.QuarantineStory? quarantine)
    {
        o.WriteLine($"Package \"{Path.GetFileName(report.Path)}\":");
        o.WriteLine($"   Status: {Status(report)}");
        if (report.Timestamp is { } time)
        {
            o.WriteLine($"   Signed on (the signer's clock, from the CMS signature): {Format.Time(time)}");
        }

        if (report.Certificates.Count > 0)
        {
            o.WriteLine("   Certificate Chain:");
            for (var i = 0; i < report.Certificates.Count; i++)
            {
                var certificate = report.Certificates[i];
                o.WriteLine($"    {i + 1}. {certificate.CommonName ?? certificate.Subject}");
                o.WriteLine($"       Expires: {Format.Time(certificate.NotAfter)}");
                o.WriteLine($"       SHA256 Fingerprint: {certificate.Sha256.ToUpperInvariant()}");
            }
        }

        o.WriteLine($"Flavor={report.Flavor}");
        o.WriteLine($"TOC checksum={report.ChecksumStyle ?? "none"} {report.Checksum ?? "-"} ({(report.ChecksumValid switch { true => "matches", false => "DOES NOT MATCH", null => "not checked" })})");
        o.WriteLine($"Signature={(report.SignatureStyles.Count == 0 ? "none" : string.Join("+", report.SignatureStyles))}{(report.SignatureValid is { } valid ? valid ? " (verifies)" : " (DOES NOT VERIFY)" : string.Empty)}");
        o.WriteLine(report.TicketBytes is { } ticket ? $"Notarization Ticket=stapled ({ticket} bytes; its Apple signature is not verified offline)" : "Notarization Ticket=none stapled");
        foreach (var component in report.Components)
        {
            o.WriteLine($"Component={component.Directory}: {component.Identifier ?? "?"} {component.Version ?? "?"} → {component.InstallLocation ?? "?"}; scripts: {(component.Scripts.Count == 0 ? "none" : string.Join(", ", component.Scripts))}");
        }

        if (report.DistributionRunsScripts)
        {
            o.WriteLine("Distribution=runs JavaScript (installation or volume checks) when opened in Installer");
        }

        if (report.TrailingBytes > 0)
        {
            o.WriteLine($"Trailing bytes={report.TrailingBytes} after the last file's data (not covered by any checksum)");
        }

        foreach (var finding in report.Findings)
        {
            SignatureText.WriteFinding(o, finding, report.Path);
        }

        if (quarantine is not null)
        {
            o.WriteLine($"Quarantine: {quarantine.Describe()}");
        }

        o.MarkupLine($"Verdict: {report.Verdict switch { SignatureVerdict.Valid => Styles.Good("valid"), SignatureVerdict.Invalid => Styles.Bad("invalid"), _ => Styles.Warn("unsigned") }}{Styles.Escape(report.Classification == "unsigned" ? string.Empty : $" ({report.Classification})")}");
    }

    /// <summary>pkgutil's status sentence where ours means the same; otherwise ours, plainly.</summary>
    private static string Status(PackageReport report) => report switch
    {
        { SignatureStyles.Count: 0 } => "no signature",
        { SignatureValid: false } => "signature does not verify",
        { Classification: "developer-id-installer" } => "signed by a developer certificate issued by Apple for distribution",
        { Classification: "mac-installer-distribution" } => "signed by a Mac Installer Distribution certificate (App Store submission)",
        { ChainTrusted: true } => "signed by a certificate that chains to an Apple root",
        _ => "signed by untrusted certificate",
    };

    internal static CheckJsonInstallerPackage ToJson(PackageReport report) => new(
        report.Flavor,
        report.ChecksumStyle,
        report.Checksum,
        report.ChecksumValid,
        report.SignatureStyles,
        report.SignatureValid,
        report.Classification,
        report.ChainTrusted,
        report.Anchor,
        [.. report.Certificates.Select(c => new CheckJsonCertificate(c.Subject, c.Issuer, c.Sha256, c.Sha1, c.NotBefore, c.NotAfter, c.CommonName, c.OrganizationalUnit, c.Organization))],
        report.Timestamp,
        report.TicketBytes is not null,
        report.TicketBytes,
        [.. report.Components.Select(c => new CheckJsonPackageComponent(c.Directory, c.Identifier, c.Version, c.InstallLocation, c.Scripts))],
        report.DistributionRunsScripts,
        report.TrailingBytes);
}
