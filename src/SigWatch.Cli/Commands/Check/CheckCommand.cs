using System.Globalization;
using System.Text.Json;
using SigWatch.Cli.Output;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.Verification;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// <c>sigwatch check PATH [--json]</c>: reads the file once, verifies every architecture in-process (no daemon,
/// any OS) and prints either a <c>codesign -dvvv</c>-like description with a verdict line, or the JSON contract.
/// Exit codes: 0 valid, 1 invalid or unsigned, 5 the path cannot be read.
/// </summary>
internal sealed class CheckCommand(CliConsole console, string path, bool json, bool native = false, string? cacheFile = null, bool full = false)
{
    /// <summary>Requirement text from --requirement / --requirement-file; null when none.</summary>
    public string? Requirement { get; init; }

    public int Execute()
    {
        if (path.Length == 0)
        {
            console.Error.WriteLine("sigwatch: check: the path is empty");
            return ExitCodes.Usage;
        }

        if (native)
        {
            return NativeCheck.Execute(console, path, json);
        }

        if (Directory.Exists(path))
        {
            return new BundleCheck(console, path, json, cacheFile, full) { Requirement = Requirement }.Execute();
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            console.Error.WriteLine($"sigwatch: cannot read {path}: {e.Message}");
            return ExitCodes.CannotRead;
        }

        var report = new CodeSignatureVerifier().Verify(bytes, path);
        var extras = CheckRequirements.Evaluate(report, Requirement, path);
        if (json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(WithExtras(ToJson(report), extras), CheckJsonContext.Relaxed.CheckJsonOutput));
        }
        else
        {
            WriteHuman(report, extras);
        }

        if (extras.Requested?.SyntaxError is { } syntax)
        {
            console.Error.WriteLine($"sigwatch: --requirement: {syntax.Message}");
        }

        return extras.CombineExitCode(report.Verdict == SignatureVerdict.Valid ? ExitCodes.Ok : ExitCodes.Invalid);
    }

    internal static CheckJsonOutput WithExtras(CheckJsonOutput output, CheckRequirements extras)
    {
        var q = extras.Quarantine;
        return output with
        {
            Signature = output.Signature is null ? null : output.Signature with
            {
                DesignatedRequirement = extras.Designated?.Requirement.ToString() ?? output.Signature.DesignatedRequirement,
                DesignatedRequirementSource = extras.Designated is null ? null : extras.Designated.IsExplicit ? "explicit" : "implicit",
                DesignatedRequirementSatisfied = extras.Designated is null ? null : CheckRequirements.Outcome(extras.DesignatedEvaluation),
            },
            Requirement = extras.RequestedJson,
            Quarantine = q is null ? null : new CheckJsonQuarantine(
                q.Quarantine is not null,
                q.Quarantine?.Raw,
                q.Quarantine?.Flags,
                [.. q.Quarantine?.NamedFlags.Select(f => f.Name) ?? []],
                q.Quarantine?.Time,
                q.Quarantine?.Agent,
                q.Quarantine?.EventId,
                q.Quarantine?.UserApproved switch { true => "yes", false => "no", null => "unknown" },
                q.Provenance.StatusName,
                q.OriginUrl,
                q.WhereFroms,
                q.Describe()),
        };
    }

    internal static CheckJsonOutput ToJson(VerificationReport report)
    {
        var findings = report.Findings.Select(f => new CheckJsonFinding(
            f.KindName, f.Severity.ToString().ToLowerInvariant(), f.Path is null ? null : Core.FileSystem.FileNames.Display(f.Path), f.Architecture, f.Detail, f.Offset)).ToList();
        var primary = report.Architectures.FirstOrDefault(a => a.IsSigned && a.Best is not null);
        CheckJsonSignature? signature = null;
        if (primary is not null)
        {
            var best = primary.Best!;
            signature = new CheckJsonSignature(
                best.Identifier,
                best.TeamId,
                SignatureClassifications.Name(report.Classification),
                (best.Flags & CodeDirectoryFlags.Runtime) != 0,
                Format(report),
                report.Architectures.Select(ToJson).ToList(),
                primary.Cms?.Certificates.Select(c => new CheckJsonCertificate(
                    c.Subject, c.Issuer, c.Sha256, c.Sha1, c.NotBefore, c.NotAfter, c.CommonName, c.OrganizationalUnit, c.Organization)).ToList() ?? [],
                primary.Cms?.DeclaredSigningTime,
                primary.Cms?.TimestampedSigningTime,
                primary.Signature?.Entitlements?.Xml,
                DesignatedRequirementText(primary.Signature?.Requirements));
        }

        return new CheckJsonOutput(report.Path, report.Kind, Verdict(report.Verdict), signature, findings);
    }

    private static CheckJsonArchitecture ToJson(ArchitectureReport arch)
    {
        var best = arch.Best;
        return new CheckJsonArchitecture(
            arch.Architecture,
            best?.CdHashHex,
            arch.CodeDirectories.Select(c => c.Directory.CdHashHex).ToList(),
            best is null ? null : $"0x{best.Version:x}",
            best is null ? null : CodeHashing.Name(best.HashType),
            best is null ? [] : CodeDirectoryFlagNames.Describe(best.Flags),
            best?.PageSize,
            best?.CodeLimit,
            SignatureClassifications.Name(arch.Classification),
            best?.Identifier,
            best?.TeamId,
            best is { RuntimeVersion: not 0 } ? PackedVersion(best.RuntimeVersion) : null,
            arch.CodeDirectories.Select(c => new CheckJsonCodeDirectory(
                CodeSigningSlot.Name(c.Slot),
                CodeHashing.Name(c.Directory.HashType),
                c.Directory.CdHashHex,
                Convert.ToHexStringLower(c.Directory.FullCdHash),
                c.Directory.CodeSlotCount,
                c.PagesMatched,
                c.SpecialSlots.Select(s => new CheckJsonSpecialSlot(-(int)s.Slot, s.SlotName, s.Status.ToString().ToLowerInvariant())).ToList())).ToList());
    }

    private void WriteHuman(VerificationReport report, CheckRequirements extras)
    {
        var o = console.Out;
        o.WriteLine($"Executable={report.Path}");
        if (report.Kind == "macho")
        {
            o.WriteLine($"Format={Format(report)}");
        }

        foreach (var arch in report.Architectures)
        {
            if (report.Architectures.Count > 1)
            {
                o.WriteLine($"--- architecture {arch.Architecture}");
            }

            if (arch.Best is not { } best)
            {
                o.WriteLine(arch.IsSigned ? "Signature=unreadable" : "Signature=none");
                continue;
            }

            o.WriteLine($"Identifier={best.Identifier}");
            var flags = CodeDirectoryFlagNames.Describe(best.Flags);
            o.WriteLine($"CodeDirectory v={best.Version:x} size={best.Bytes.Length} flags=0x{(uint)best.Flags:x}({(flags.Count == 0 ? "none" : string.Join(",", flags))}) hashes={best.CodeSlotCount}+{best.SpecialSlotCount} location=embedded");
            o.WriteLine($"Hash type={CodeHashing.Name(best.HashType)} size={best.HashSize}");
            foreach (var cd in arch.CodeDirectories)
            {
                o.WriteLine($"CandidateCDHash {CodeHashing.Name(cd.Directory.HashType)}={cd.Directory.CdHashHex}");
                o.WriteLine($"CandidateCDHashFull {CodeHashing.Name(cd.Directory.HashType)}={Convert.ToHexStringLower(cd.Directory.FullCdHash)}");
            }

            o.WriteLine($"Hash choices={string.Join(",", arch.CodeDirectories.Select(c => CodeHashing.Name(c.Directory.HashType)))}");
            o.WriteLine($"CDHash={best.CdHashHex}");
            if (arch.Signature?.CmsSignature is { Length: > 0 } cms)
            {
                o.WriteLine($"Signature size={cms.Length}");
                foreach (var certificate in arch.Cms?.Certificates ?? [])
                {
                    o.WriteLine($"Authority={certificate.CommonName ?? certificate.Subject}");
                }

                if (arch.Cms?.TimestampedSigningTime is { } ts)
                {
                    o.WriteLine($"Timestamp={ts.ToString("u", CultureInfo.InvariantCulture)}");
                }
                else if (arch.Cms?.DeclaredSigningTime is { } st)
                {
                    o.WriteLine($"Signed Time={st.ToString("u", CultureInfo.InvariantCulture)}");
                }
            }
            else
            {
                o.WriteLine("Signature=adhoc");
            }

            var info = arch.CodeDirectories[0].SpecialSlots.FirstOrDefault(s => s.Slot == CodeSigningSlot.InfoPlist);
            o.WriteLine(info is null ? "Info.plist=not bound" : $"Info.plist={info.Status.ToString().ToLowerInvariant()}");
            o.WriteLine($"TeamIdentifier={best.TeamId ?? "not set"}");
            if (best.RuntimeVersion != 0)
            {
                o.WriteLine($"Runtime Version={PackedVersion(best.RuntimeVersion)}");
            }

            var resources = arch.CodeDirectories[0].SpecialSlots.FirstOrDefault(s => s.Slot == CodeSigningSlot.ResourceDirectory);
            o.WriteLine(resources is null ? "Sealed Resources=none" : $"Sealed Resources={resources.Status.ToString().ToLowerInvariant()}");
            if (arch.Signature?.Requirements is { } requirements)
            {
                o.WriteLine($"Internal requirements size={requirements.Bytes.Length}");
                if (DesignatedRequirementText(requirements) is { } designated)
                {
                    o.WriteLine($"designated => {designated}");
                }
            }

            o.WriteLine($"Classification={SignatureClassifications.Name(arch.Classification)}");
        }

        foreach (var finding in report.Findings)
        {
            o.WriteLine(finding.ToString());
        }

        extras.WriteHuman(o);
        o.WriteLine($"Verdict: {Verdict(report.Verdict)} ({SignatureClassifications.Name(report.Classification)})");
    }

    /// <summary>The explicit designated requirement in canonical text; null when absent or undecodable.</summary>
    internal static string? DesignatedRequirementText(RequirementsBlob? blob)
    {
        if (blob is null)
        {
            return null;
        }

        try
        {
            return RequirementSet.Decode(blob.Bytes.Span).Designated?.ToString();
        }
        catch (MalformedRequirementException)
        {
            return null;
        }
    }

    private static string Format(VerificationReport report) =>
        report.Architectures is [{ Architecture: "detached" }] ? "detached signature (_CodeSignature files)"
        : report.Architectures.Count == 1 && report.Architectures[0].Index == 0 && !IsUniversal(report)
            ? $"Mach-O thin ({report.Architectures[0].Architecture})"
            : $"Mach-O universal ({string.Join(" ", report.Architectures.Select(a => a.Architecture))})";

    private static bool IsUniversal(VerificationReport report) => report.Architectures.Any(a => a.Image is { FileOffset: > 0 })
        || report.Architectures.Count > 1;

    private static string Verdict(SignatureVerdict verdict) => verdict switch
    {
        SignatureVerdict.Valid => "valid",
        SignatureVerdict.Invalid => "invalid",
        _ => "unsigned",
    };

    private static string PackedVersion(uint v) => $"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF}";
}
