using System.Globalization;
using System.Text.Json;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;
using Spectre.Console;

namespace SigWatch.Cli.Commands.Show;

internal sealed class ShowCommand(CliConsole console, string? socket, bool json, string target, bool byId, bool includeHistory)
{
    public Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var request = new GetBundleRequest { IncludeHistory = includeHistory || json };
        if (byId)
        {
            if (!long.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                console.Error.WriteLine($"sigwatch: --id needs a positive bundle id, got '{target}'");
                return Task.FromResult(ExitCodes.Usage);
            }

            request.Id = id;
        }
        else
        {
            // The daemon keys bundles by absolute path without a trailing slash.
            request.Path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        }

        return DaemonCall.RunAsync(socket, console, async connection =>
        {
            var response = await connection.Client.GetBundleAsync(request, DaemonConnection.Unary(cancellationToken)).ConfigureAwait(false);
            if (json)
            {
                var output = new BundleShowJson(JsonMapping.ToJson(response.Bundle), [.. response.History.Select(JsonMapping.ToJson)]);
                console.Out.WriteLine(JsonSerializer.Serialize(output, CliJsonContext.Relaxed.BundleShowJson));
                return ExitCodes.Ok;
            }

            var b = response.Bundle;
            var o = console.Ansi;
            o.WriteLine(b.Path);
            o.MarkupLineInterpolated($"  id:          {b.Id}");
            o.MarkupLineInterpolated($"  root:        {b.Root}");
            o.MarkupLineInterpolated($"  first seen:  {Format.Time(JsonMapping.Time(b.FirstSeen))}");
            o.MarkupLineInterpolated($"  last seen:   {Format.Time(JsonMapping.Time(b.LastSeen))}");
            if (b.RemovedAt is not null)
            {
                o.MarkupLineInterpolated($"  removed:     {Format.Time(JsonMapping.Time(b.RemovedAt))}");
            }

            if (b.Status.Length > 0)
            {
                o.MarkupLine($"  status:      {Styles.Bad(b.Status.ToUpperInvariant())}: {Styles.Escape(b.StatusDetail)}");
            }

            if (b.Lineage is { } lineage)
            {
                var relation = lineage.Relation == "move" ? "moved" : "copied";
                o.MarkupLineInterpolated($"  origin:      {relation} from {lineage.SourcePath} (valid there at {Format.Time(JsonMapping.Time(lineage.SourceValidAt))}, assessment #{lineage.SourceAssessmentId})");
            }

            if (b.Source)
            {
                o.WriteLine("  source:      under a source root: inventoried for copy lineage, no events");
            }

            if (b.LastAssessedAt is not null)
            {
                o.MarkupLineInterpolated($"  assessed:    {Format.Time(JsonMapping.Time(b.LastAssessedAt))}{(b.LastCost is { } last ? "; " + Examined(last) : string.Empty)}");
            }

            if (b.Latest is { } a)
            {
                WriteAssessment(o, a, "latest assessment");
            }
            else
            {
                o.WriteLine("  (not assessed yet)");
            }

            foreach (var earlier in response.History)
            {
                WriteAssessment(o, earlier, "earlier assessment");
            }

            return ExitCodes.Ok;
        });
    }

    private static void WriteAssessment(IAnsiConsole o, Assessment a, string title)
    {
        o.MarkupLineInterpolated($"  {title} #{a.Id} at {Format.Time(JsonMapping.Time(a.AssessedAt))}:");
        if (a.Kind.Length > 0)
        {
            o.MarkupLineInterpolated($"    kind:           {a.Kind} (a download: the facts are the file's)");
        }

        o.MarkupLineInterpolated($"    identifier:     {Format.OrDash(a.BundleIdentifier)}");
        o.MarkupLineInterpolated($"    name:           {Format.OrDash(a.BundleName)}");
        o.MarkupLineInterpolated($"    version:        {Format.OrDash(a.ShortVersion)} ({Format.OrDash(a.BundleVersion)})");
        o.MarkupLineInterpolated($"    executable:     {Format.OrDash(a.Executable)} ({(a.HasMainExecutable ? "present" : "missing")})");
        o.MarkupLineInterpolated($"    Info.plist:     {(a.HasInfoPlist ? string.IsNullOrEmpty(a.InfoPlistError) ? "read" : "UNREADABLE: " + a.InfoPlistError : "missing")}");
        o.MarkupLineInterpolated($"    CodeResources:  {(a.HasCodeResources ? "present" : "none (no resource seal)")}");
        o.MarkupLineInterpolated($"    tree:           {a.FileCount} files, {Format.Size(a.TotalSize)}{(a.Unstable ? " — UNSTABLE: still changing when assessed" : string.Empty)}");
        if (a.Cost is { } cost)
        {
            o.MarkupLineInterpolated($"    examined:       {Examined(cost)}");
        }

        if (a.Signature is { } sig)
        {
            var who = string.IsNullOrEmpty(sig.TeamId) ? sig.Classification : $"{sig.Classification}, team {sig.TeamId}";
            // The cause goes on the verdict's own line, as the daemon's events say it: what is damaged or changed.
            var cause = sig.Verdict == "valid" ? string.Empty
                : ": " + Core.Bundles.SignatureSummary.DescribeErrors(sig.Findings.Select(f => new Core.Bundles.SummaryFinding(f.Kind, f.Severity, f.Path, f.Detail)), max: 2);
            o.MarkupLine($"    signature:      {Verdicts.Markup(sig.Verdict)} {Styles.Escape($"({who}){(sig.HardenedRuntime ? ", hardened runtime" : string.Empty)}{cause}")}");
            o.MarkupLineInterpolated($"      identifier:   {Format.OrDash(sig.Identifier)}   CDHash {Format.OrDash(sig.Cdhash)}");
            o.MarkupLineInterpolated($"      signed:       {(sig.Timestamp is not null ? Format.Time(JsonMapping.Time(sig.Timestamp)) + " (secure timestamp)" : sig.DeclaredSigningTime is not null ? Format.Time(JsonMapping.Time(sig.DeclaredSigningTime)) + " (signer's clock)" : "-")}");
            o.MarkupLineInterpolated($"      notarization: {(sig.NotarizationTicketStapled ? "ticket stapled (not verified offline)" : "no stapled ticket (online check not done)")}");
            if (sig.DesignatedRequirement.Length > 0)
            {
                o.MarkupLineInterpolated($"      designated:   {(sig.DesignatedRequirementSource == "implicit" ? "# " : string.Empty)}{sig.DesignatedRequirement} ({sig.DesignatedRequirementSatisfied})");
            }
            if (sig.RiskyEntitlements.Count > 0)
            {
                o.MarkupLineInterpolated($"      risky entitlements: {string.Join(", ", sig.RiskyEntitlements)}");
            }

            foreach (var finding in sig.Findings.Where(f => f.Severity != "info"))
            {
                o.MarkupLine($"      {Styles.Severity(finding.Severity)} {Styles.Escape($"{finding.Kind}: {(string.IsNullOrEmpty(finding.Path) ? string.Empty : finding.Path + ": ")}{finding.Detail}")}");
            }

            if (sig.FindingCount > sig.Findings.Count)
            {
                o.MarkupLineInterpolated($"      …and {sig.FindingCount - sig.Findings.Count} more finding(s)");
            }

            foreach (var disagreement in sig.VerifierDisagreements)
            {
                o.MarkupLineInterpolated($"      verifiers disagree: {disagreement}");
            }

            foreach (var diagnosis in sig.Diagnoses)
            {
                o.MarkupLineInterpolated($"      diagnosis {diagnosis.Kind}: {diagnosis.Explanation}");
                o.MarkupLineInterpolated($"        remedy: {diagnosis.Remedy}");
            }
        }

        if (a.Quarantine is { } q)
        {
            o.MarkupLineInterpolated($"    quarantine:     {q.Story}");
            if (q.Present)
            {
                var flags = q.FlagsParsed ? $"0x{q.Flags:x4} " : string.Empty;
                var names = string.Join(", ", q.NamedFlags.Select(f => f.Confidence is "apple-source" or "observed" ? f.Name : $"{f.Name} ({f.Confidence})"));
                o.MarkupLineInterpolated($"      value:        {q.Raw}");
                o.MarkupLineInterpolated($"      flags:        {flags}{names}");
                o.MarkupLineInterpolated($"      provenance:   {q.Provenance?.Status}{(string.IsNullOrEmpty(q.Provenance?.Detail) ? string.Empty : ": " + q.Provenance.Detail)}");
            }

            foreach (var url in q.WhereFroms)
            {
                o.MarkupLineInterpolated($"      where from:   {url}");
            }

            foreach (var file in q.QuarantinedFiles)
            {
                o.MarkupLineInterpolated($"      quarantined:  {file}");
            }

            if (q.QuarantinedFileCount > q.QuarantinedFiles.Count)
            {
                o.MarkupLineInterpolated($"      …and {q.QuarantinedFileCount - q.QuarantinedFiles.Count} more quarantined file(s)");
            }
        }

        foreach (var problem in a.WalkProblems)
        {
            o.MarkupLineInterpolated($"    problem:        {problem}");
        }
    }

    private static string Examined(AssessmentCost cost)
    {
        var scope = cost.ChangesKnown ? $"{cost.ChangedPaths} changed path(s)" : "everything (changes not known)";
        var seal = cost.SealFullWalks > 0 ? $"{cost.SealFullWalks} full walk(s)" : $"{cost.SealRegionWalks} changed region(s)";
        return $"{scope}; seal: {seal}, {cost.FilesHashed} file(s) hashed, {cost.DigestCacheHits} from cache; {cost.Milliseconds} ms";
    }
}
