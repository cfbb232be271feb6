using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using SigWatch.Cli.Output;
using SigWatch.Core.Assessment;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;
using SigWatch.Platform;
using SigWatch.Platform.Quarantine;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// <c>sigwatch check BUNDLE</c>: verifies the bundle's signature and seal in-process (<see cref="BundleVerifier"/>, strict
/// and deep like <c>codesign --verify --deep --strict</c>), lists findings with resource-root-relative paths and explains
/// them with diagnoses. <c>--cache FILE</c> keeps per-file digests between runs; <c>--full</c> re-hashes everything.
/// A progress bar appears on stderr only when it is a terminal and the check runs longer than a second.
/// </summary>
internal sealed class BundleCheck(CliConsole console, string path, bool json, string? cacheFile, bool full)
{
    /// <summary>Requirement text from --requirement / --requirement-file; null when none.</summary>
    public string? Requirement { get; init; }

    /// <summary>--entitlements: print the entitlements plist in the text output.</summary>
    public bool Entitlements { get; init; }

    public int Execute()
    {
        FileBackedHashCache? cache = null;
        if (cacheFile is not null)
        {
            try
            {
                cache = FileBackedHashCache.Load(cacheFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.Error.WriteLine($"sigwatch: cannot read cache {cacheFile}: {e.Message}");
                return ExitCodes.CannotRead;
            }
        }

        var progress = console.ErrorIsTerminal ? new ProgressBar(console.ErrorAnsi, console.ProgressDelay) : null;
        // The daemon's own pipeline (BundleAssessor): what check says is what the daemon records.
        var tree = LstatFileTree.Instance;
        var assessor = new BundleAssessor(new BundleAssessorOptions
        {
            Tree = tree,
            Verifier = new BundleVerifier(tree, new BundleVerifierOptions
            {
                Cache = cache,
                IgnoreCache = full,
                ExtendedAttributes = ExtendedAttributes.Instance,
                Progress = progress,
            }),
            ExtendedAttributes = ExtendedAttributes.Instance,
            QuarantineEvents = new QuarantineEventsDatabase(),
        });
        var assessment = progress is null ? assessor.Assess(path) : progress.Run(() => assessor.Assess(path));
        if (assessment?.Seal is not { } report)
        {
            console.Error.WriteLine($"sigwatch: cannot read {path}: it is not a directory any more");
            return ExitCodes.CannotRead;
        }

        if (cache is not null)
        {
            try
            {
                cache.Save();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.Error.WriteLine($"sigwatch: cannot write cache {cacheFile}: {e.Message}");
            }
        }

        var extras = CheckRequirements.From(assessment.Designated!, Requirement, assessment.Facts.Quarantine);
        if (json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(CheckCommand.WithExtras(ToJson(report), extras), CheckJsonContext.Relaxed.CheckJsonOutput));
        }
        else
        {
            WriteHuman(assessment, report, extras);
        }

        if (extras.Requested?.SyntaxError is { } syntax)
        {
            console.Error.WriteLine($"sigwatch: --requirement: {syntax.Message}");
        }

        return extras.CombineExitCode(report.Verdict == SignatureVerdict.Valid ? ExitCodes.Ok : ExitCodes.Invalid);
    }

    internal CheckJsonOutput ToJson(BundleVerificationReport report)
    {
        var output = CheckCommand.ToJson(report.Report);
        var structure = report.Structure;
        var bundle = new CheckJsonBundle(
            structure is null ? null : Layout(structure.Shape),
            structure?.ResourceRootPrefix,
            structure?.VersionName,
            report.MainExecutable,
            report.SigningTime,
            report.SigningTimeSource,
            [.. report.Nested.Select(n => new CheckJsonNestedCode(n.Path, n.Bundle is null ? "macho" : "bundle",
                Verdict(n.Report.Verdict), n.Requirement, n.RequirementOutcome))],
            new CheckJsonSealStatistics(report.Statistics.FilesHashed, report.Statistics.BytesHashed, report.Statistics.CacheHits));
        var diagnoses = report.Diagnoses.Select(d => new CheckJsonDiagnosis(d.KindName, [.. d.Paths.Select(FileNames.Display)],
            [.. d.Paths.Select(FileNames.CodePoints)], d.Explanation, d.Remedy)).ToList();
        return output with { Bundle = bundle, Diagnoses = diagnoses };
    }

    private void WriteHuman(BundleAssessment assessment, BundleVerificationReport report, CheckRequirements extras)
    {
        var o = console.Ansi;
        var structure = report.Structure;
        var executable = report.MainExecutable is null || structure is null
            ? report.Report.Path
            : Path.Join(report.Report.Path, structure.ResourceRootPrefix, report.MainExecutable);
        var kind = report.Report.Path.TrimEnd('/').EndsWith(".app", StringComparison.OrdinalIgnoreCase) ? "app bundle" : "bundle";
        var format = report.MainExecutable is null || report.Report.Architectures.Count == 0
            ? kind
            : $"{kind} with {SignatureText.MachOFormat(report.Report)}";
        SignatureText.Write(o, report.Report, executable, format,
            new SignatureText.BundleFacts(report.InfoPlist?.Count, report.ResourceSeal, assessment.Facts.Signature?.NotarizationTicketStapled == true),
            Entitlements);

        // What codesign -dvvv does not say: the layout, nested code, the work done, and the seal's own time.
        o.WriteLine($"Bundle={report.Report.Path}");
        if (structure is not null)
        {
            o.WriteLine($"Layout={Layout(structure.Shape)}{(structure.VersionName is null ? "" : $" (Versions/{structure.VersionName})")}");
        }

        if (report.SigningTime is { } sealed_ && report.SigningTimeSource == "seal-mtime")
        {
            // An ad-hoc signature carries no time; CodeResources' mtime is when this copy was written, not when it was signed.
            o.WriteLine($"Seal file modified={Format.Time(sealed_)} (mtime of _CodeSignature/CodeResources on this disk; not a signing time)");
        }

        foreach (var nested in report.Nested)
        {
            o.WriteLine($"Nested={nested.Path} {SignatureText.Verdict(nested.Report.Verdict)}{(nested.RequirementOutcome is { } r ? $" (requirement {r})" : "")}");
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Hashed={report.Statistics.FilesHashed} files, {report.Statistics.BytesHashed} bytes; cached={report.Statistics.CacheHits}"));
        if (report.Findings.Any(f => f.Kind is FindingKind.FileAdded or FindingKind.FileMissing or FindingKind.FileModified
                or FindingKind.SymlinkModified or FindingKind.NormalizationMismatch or FindingKind.NestedCodeInvalid))
        {
            o.WriteLine($"{report.Report.Path}: a sealed resource is missing or invalid");
        }

        foreach (var finding in report.Findings)
        {
            SignatureText.WriteFinding(o, finding);
        }

        foreach (var diagnosis in report.Diagnoses)
        {
            o.MarkupLine($"[bold]diagnosis {Styles.Escape(diagnosis.KindName)}[/]: {Styles.Escape(diagnosis.Explanation)}");
            foreach (var p in diagnosis.Paths.Take(20))
            {
                o.WriteLine($"  {FileNames.Display(p)}{(p.Any(c => c > 0x7E) ? $" ({FileNames.CodePoints(p)})" : "")}");
            }

            if (diagnosis.Paths.Count > 20)
            {
                o.WriteLine($"  … and {diagnosis.Paths.Count - 20} more");
            }

            o.WriteLine($"  remedy: {diagnosis.Remedy}");
        }

        extras.WriteHuman(o);
        SignatureText.WriteVerdict(o, report.Verdict, report.Report.Classification);
    }

    private static string Layout(BundleShape shape) => shape switch
    {
        BundleShape.Deep => "deep",
        BundleShape.Shallow => "shallow",
        _ => "framework",
    };

    private static string Verdict(SignatureVerdict verdict) => SignatureText.Verdict(verdict);
}
