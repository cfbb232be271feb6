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

    /// <summary>--entitlements: print the entitlements plist in the text output.</summary>
    public bool Entitlements { get; init; }

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
            return new BundleCheck(console, path, json, cacheFile, full) { Requirement = Requirement, Entitlements = Entitlements }.Execute();
        }

        try
        {
            if (File.Exists(path) && Core.DiskImages.DiskImageVerifier.IsDiskImage(path))
            {
                return new DiskImageCheck(console, path, json) { Requirement = Requirement, Entitlements = Entitlements }.Execute();
            }

            if (File.Exists(path) && Core.Packages.PackageVerifier.IsPackage(path))
            {
                return new PackageCheck(console, path, json).Execute();
            }

            if (File.Exists(path) && path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                return new ArchiveCheck(console, path, json).Execute();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"sigwatch: cannot read {path}: {e.Message}");
            return ExitCodes.CannotRead;
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
        return output with
        {
            Signature = output.Signature is null ? null : output.Signature with
            {
                DesignatedRequirement = extras.Designated?.Requirement.ToString() ?? output.Signature.DesignatedRequirement,
                DesignatedRequirementSource = extras.Designated is null ? null : extras.Designated.IsExplicit ? "explicit" : "implicit",
                DesignatedRequirementSatisfied = extras.Designated is null ? null : CheckRequirements.Outcome(extras.DesignatedEvaluation),
            },
            Requirement = extras.RequestedJson,
            Quarantine = QuarantineJson(extras.Quarantine),
        };
    }

    internal static CheckJsonQuarantine? QuarantineJson(Core.Quarantine.QuarantineStory? q) =>
        q is null ? null : new CheckJsonQuarantine(
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
            q.Describe());

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
        var o = console.Ansi;
        SignatureText.Write(o, report, report.Path, report.Kind == "macho" ? Format(report) : report.Kind, bundle: null, Entitlements);
        foreach (var finding in report.Findings)
        {
            SignatureText.WriteFinding(o, finding, report.Path);
        }

        extras.WriteHuman(o);
        SignatureText.WriteVerdict(o, report.Verdict, report.Classification);
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

    private static string Format(VerificationReport report) => SignatureText.MachOFormat(report);

    private static string Verdict(SignatureVerdict verdict) => SignatureText.Verdict(verdict);

    private static string PackedVersion(uint v) => $"{v >> 16}.{(v >> 8) & 0xFF}.{v & 0xFF}";
}
