using System.Globalization;
using SigWatch.Cli.Output;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using Spectre.Console;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// <c>check</c>'s text for Mach-O files and bundles, in the order and with the key names of <c>codesign -dvvv</c>
/// (Executable, Identifier, Format, CodeDirectory, Hash type, CandidateCDHash…, CDHash, Signature size, every Authority,
/// Timestamp, Info.plist entries, TeamIdentifier, Runtime Version, Sealed Resources, Internal requirements), so an admin
/// can set it beside codesign's. Differences, on purpose: times are UTC ISO-8601, not codesign's local-time prose; every
/// architecture is described (codesign shows the host's only); <c>CMSDigest</c> is not printed.
/// </summary>
internal static class SignatureText
{
    /// <summary>What a bundle adds to the Mach-O facts: its Info.plist's size and its resource seal.</summary>
    public sealed record BundleFacts(int? InfoPlistEntries, ResourceSealSummary? ResourceSeal, bool TicketStapled);

    public static void Write(IAnsiConsole o, VerificationReport report, string executable, string format, BundleFacts? bundle, bool entitlements)
    {
        o.WriteLine($"Executable={executable}");
        var signed = report.Architectures.Where(a => a.Best is not null).ToList();
        if (report.Architectures.Count == 1 || signed.Count == 0)
        {
            // codesign's order for the common case: Identifier, then Format.
            var arch = report.Architectures.FirstOrDefault();
            if (arch?.Best is { } best)
            {
                o.WriteLine($"Identifier={best.Identifier}");
            }

            o.WriteLine($"Format={format}");
            if (arch is not null)
            {
                WriteArchitecture(o, arch, bundle, entitlements);
            }
            else
            {
                o.WriteLine("Signature=none");
            }

            return;
        }

        o.WriteLine($"Format={format}");
        foreach (var arch in report.Architectures)
        {
            o.WriteLine($"--- architecture {arch.Architecture}");
            if (arch.Best is { } best)
            {
                o.WriteLine($"Identifier={best.Identifier}");
            }

            WriteArchitecture(o, arch, bundle, entitlements);
        }
    }

    /// <summary><c>Mach-O thin (arm64)</c>, <c>Mach-O universal (x86_64 arm64)</c>, the detached-signature form, or a disk image.</summary>
    public static string MachOFormat(VerificationReport report) =>
        report.Kind == Core.DiskImages.DiskImageVerifier.Kind ? "disk image (UDIF)"
        : report.Architectures is [{ Architecture: "detached" }] ? "detached signature (_CodeSignature files)"
        : report.Architectures.Count == 1 && report.Architectures[0].Index == 0 && report.Architectures[0].Image is not { FileOffset: > 0 }
            ? $"Mach-O thin ({report.Architectures[0].Architecture})"
            : $"Mach-O universal ({string.Join(" ", report.Architectures.Select(a => a.Architecture))})";

    /// <summary>The verdict line every check ends with; the classification only where it says something ("unsigned" twice does not).</summary>
    public static void WriteVerdict(IAnsiConsole o, SignatureVerdict verdict, SignatureClassification classification)
    {
        var name = Verdict(verdict);
        var styled = verdict switch
        {
            SignatureVerdict.Valid => Styles.Good(name),
            SignatureVerdict.Invalid => Styles.Bad(name),
            _ => Styles.Warn(name),
        };
        var kind = classification == SignatureClassification.Unsigned ? string.Empty : $" ({SignatureClassifications.Name(classification)})";
        o.MarkupLine($"Verdict: {styled}{Styles.Escape(kind)}");
    }

    /// <summary>One finding per line: severity, kind, [architecture], path (unless it is the file checked), detail.</summary>
    public static void WriteFinding(IAnsiConsole o, Finding finding, string? checkedPath = null)
    {
        var severity = finding.Severity switch
        {
            FindingSeverity.Error => "[red]error[/]",
            FindingSeverity.Warning => "[yellow]warning[/]",
            _ => "info",
        };
        var where = finding.Architecture is null ? string.Empty : $" [[{Styles.Escape(finding.Architecture)}]]";
        var path = finding.Path is null || finding.Path == checkedPath ? string.Empty : " " + Styles.Escape(Core.FileSystem.FileNames.Display(finding.Path));
        o.MarkupLine($"{severity} {Styles.Escape(finding.KindName)}{where}{path}: {Styles.Escape(finding.Detail)}");
    }

    public static string Verdict(SignatureVerdict verdict) => verdict switch
    {
        SignatureVerdict.Valid => "valid",
        SignatureVerdict.Invalid => "invalid",
        _ => "unsigned",
    };

    private static void WriteArchitecture(IAnsiConsole o, ArchitectureReport arch, BundleFacts? bundle, bool entitlements)
    {
        if (arch.Best is not { } best)
        {
            o.WriteLine(arch.IsSigned ? "Signature=unreadable" : "Signature=none");
            return;
        }

        var flags = CodeDirectoryFlagNames.Describe(best.Flags);
        var location = arch.Architecture == "detached" ? "detached" : "embedded";
        o.WriteLine(Invariant($"CodeDirectory v={best.Version:x} size={best.Bytes.Length} flags=0x{(uint)best.Flags:x}({(flags.Count == 0 ? "none" : string.Join(",", flags))}) hashes={best.CodeSlotCount}+{best.SpecialSlotCount} location={location}"));
        o.WriteLine(Invariant($"Hash type={CodeHashing.Name(best.HashType)} size={best.HashSize}"));
        foreach (var cd in arch.CodeDirectories)
        {
            o.WriteLine($"CandidateCDHash {CodeHashing.Name(cd.Directory.HashType)}={cd.Directory.CdHashHex}");
            o.WriteLine($"CandidateCDHashFull {CodeHashing.Name(cd.Directory.HashType)}={Convert.ToHexStringLower(cd.Directory.FullCdHash)}");
        }

        o.WriteLine($"Hash choices={string.Join(",", arch.CodeDirectories.Select(c => CodeHashing.Name(c.Directory.HashType)))}");
        if (best.Version >= CodeDirectoryLayout.SupportsExecSegment)
        {
            o.WriteLine(Invariant($"Executable Segment base={best.ExecSegmentBase}"));
            o.WriteLine(Invariant($"Executable Segment limit={best.ExecSegmentLimit}"));
            o.WriteLine(Invariant($"Executable Segment flags=0x{best.ExecSegmentFlags:x}"));
        }

        o.WriteLine(best.PageSize == 0 ? "Page size=none (one hash over all the signed bytes)" : Invariant($"Page size={best.PageSize}"));
        o.WriteLine($"CDHash={best.CdHashHex}");
        if (arch.Signature?.CmsSignature is { Length: > 0 } cms)
        {
            o.WriteLine(Invariant($"Signature size={cms.Length}"));
            foreach (var certificate in arch.Cms?.Certificates ?? [])
            {
                o.WriteLine($"Authority={certificate.CommonName ?? certificate.Subject}");
            }

            if (arch.Cms?.TimestampedSigningTime is { } ts)
            {
                o.WriteLine($"Timestamp={Format.Time(ts)}");
            }
            else if (arch.Cms?.DeclaredSigningTime is { } st)
            {
                o.WriteLine($"Signed Time={Format.Time(st)} (the signer's clock; no secure timestamp)");
            }
        }
        else
        {
            o.WriteLine("Signature=adhoc");
        }

        if (bundle?.TicketStapled == true)
        {
            o.WriteLine("Notarization Ticket=stapled (not verified offline)");
        }

        if (bundle?.InfoPlistEntries is { } entries)
        {
            o.WriteLine(Invariant($"Info.plist entries={entries}"));
        }
        else
        {
            var info = arch.CodeDirectories[0].SpecialSlots.FirstOrDefault(s => s.Slot == CodeSigningSlot.InfoPlist);
            o.WriteLine(info is null ? "Info.plist=not bound" : $"Info.plist={info.Status.ToString().ToLowerInvariant()}");
        }

        o.WriteLine($"TeamIdentifier={best.TeamId ?? "not set"}");
        if (best.RuntimeVersion != 0)
        {
            o.WriteLine($"Runtime Version={PackedVersion(best.RuntimeVersion)}");
        }

        if (bundle is not null)
        {
            o.WriteLine(bundle.ResourceSeal is { } seal
                ? Invariant($"Sealed Resources version={seal.Version} rules={seal.Rules} files={seal.Files}")
                : "Sealed Resources=none");
        }
        else
        {
            // A bare file cannot show its bundle's seal: only whether the signature binds one.
            var resources = arch.CodeDirectories[0].SpecialSlots.FirstOrDefault(s => s.Slot == CodeSigningSlot.ResourceDirectory);
            o.WriteLine(resources is null ? "Sealed Resources=none" : "Sealed Resources=bound (the bundle's CodeResources is not checked for a single file)");
        }

        WriteRequirements(o, arch.Signature?.Requirements);
        if (entitlements)
        {
            WriteEntitlements(o, arch.Signature);
        }

        o.WriteLine($"Classification={SignatureClassifications.Name(arch.Classification)}");
    }

    private static void WriteRequirements(IAnsiConsole o, RequirementsBlob? blob)
    {
        if (blob is null)
        {
            o.WriteLine("Internal requirements=none");
            return;
        }

        if (!RequirementSet.TryDecode(blob.Bytes.Span, out var set, out var error))
        {
            o.WriteLine(Invariant($"Internal requirements size={blob.Bytes.Length} (undecodable: {error.Message})"));
            return;
        }

        o.WriteLine(Invariant($"Internal requirements count={set.Entries.Count} size={blob.Bytes.Length}"));
        foreach (var entry in set.Entries)
        {
            // codesign -d -r- prints each as "<type> => <requirement>".
            o.WriteLine($"{RequirementTypeName(entry.Type)} => {entry.Requirement}");
        }
    }

    private static void WriteEntitlements(IAnsiConsole o, CodeSignature? signature)
    {
        if (signature?.Entitlements is not { } blob)
        {
            o.WriteLine(signature?.DerEntitlements is null ? "Entitlements=none" : "Entitlements=DER only (no XML entitlements blob)");
            return;
        }

        o.WriteLine("Entitlements=");
        foreach (var line in blob.Xml.ReplaceLineEndings("\n").TrimEnd('\n', '\0').Split('\n'))
        {
            o.WriteLine(line);
        }
    }

    /// <summary>Names as codesign prints them (cs.h <c>SecRequirementType</c>: host 1, guest 2, designated 3, library 4, plugin 5).</summary>
    private static string RequirementTypeName(uint type) => type switch
    {
        1 => "host",
        2 => "guest",
        3 => "designated",
        4 => "library",
        5 => "plugin",
        _ => Invariant($"requirement type {type}"),
    };

    private static string PackedVersion(uint v) => Invariant($"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
