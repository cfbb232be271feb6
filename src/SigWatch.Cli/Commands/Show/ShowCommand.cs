using System.Globalization;
using System.Text.Json;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;

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
            var o = console.Out;
            o.WriteLine(b.Path);
            o.WriteLine($"  id:          {b.Id}");
            o.WriteLine($"  root:        {b.Root}");
            o.WriteLine($"  first seen:  {Format.Time(JsonMapping.Time(b.FirstSeen))}");
            o.WriteLine($"  last seen:   {Format.Time(JsonMapping.Time(b.LastSeen))}");
            if (b.RemovedAt is not null)
            {
                o.WriteLine($"  removed:     {Format.Time(JsonMapping.Time(b.RemovedAt))}");
            }

            if (b.Status.Length > 0)
            {
                o.WriteLine($"  status:      {b.Status.ToUpperInvariant()}: {b.StatusDetail}");
            }

            if (b.Lineage is { } lineage)
            {
                var relation = lineage.Relation == "move" ? "moved" : "copied";
                o.WriteLine($"  origin:      {relation} from {lineage.SourcePath} (valid there at {Format.Time(JsonMapping.Time(lineage.SourceValidAt))}, assessment #{lineage.SourceAssessmentId})");
            }

            if (b.Source)
            {
                o.WriteLine("  source:      under a source root: inventoried for copy lineage, no events");
            }

            if (b.LastAssessedAt is not null)
            {
                o.WriteLine($"  assessed:    {Format.Time(JsonMapping.Time(b.LastAssessedAt))}{(b.LastCost is { } last ? "; " + Examined(last) : string.Empty)}");
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

    private static void WriteAssessment(TextWriter o, Assessment a, string title)
    {
        o.WriteLine($"  {title} #{a.Id} at {Format.Time(JsonMapping.Time(a.AssessedAt))}:");
        o.WriteLine($"    identifier:     {Format.OrDash(a.BundleIdentifier)}");
        o.WriteLine($"    name:           {Format.OrDash(a.BundleName)}");
        o.WriteLine($"    version:        {Format.OrDash(a.ShortVersion)} ({Format.OrDash(a.BundleVersion)})");
        o.WriteLine($"    executable:     {Format.OrDash(a.Executable)} ({(a.HasMainExecutable ? "present" : "missing")})");
        o.WriteLine($"    Info.plist:     {(a.HasInfoPlist ? string.IsNullOrEmpty(a.InfoPlistError) ? "read" : "UNREADABLE: " + a.InfoPlistError : "missing")}");
        o.WriteLine($"    CodeResources:  {(a.HasCodeResources ? "present" : "none (no resource seal)")}");
        o.WriteLine($"    tree:           {a.FileCount} files, {Format.Size(a.TotalSize)}{(a.Unstable ? " — UNSTABLE: still changing when assessed" : string.Empty)}");
        if (a.Cost is { } cost)
        {
            o.WriteLine($"    examined:       {Examined(cost)}");
        }

        if (a.Signature is { } sig)
        {
            var who = string.IsNullOrEmpty(sig.TeamId) ? sig.Classification : $"{sig.Classification}, team {sig.TeamId}";
            // The cause goes on the verdict's own line, as the daemon's events say it: what is damaged or changed.
            var cause = sig.Verdict == "valid" ? string.Empty
                : ": " + Core.Bundles.SignatureSummary.DescribeErrors(sig.Findings.Select(f => new Core.Bundles.SummaryFinding(f.Kind, f.Severity, f.Path, f.Detail)), max: 2);
            o.WriteLine($"    signature:      {sig.Verdict.ToUpperInvariant()} ({who}){(sig.HardenedRuntime ? ", hardened runtime" : string.Empty)}{cause}");
            o.WriteLine($"      identifier:   {Format.OrDash(sig.Identifier)}   CDHash {Format.OrDash(sig.Cdhash)}");
            o.WriteLine($"      signed:       {(sig.Timestamp is not null ? Format.Time(JsonMapping.Time(sig.Timestamp)) + " (secure timestamp)" : sig.DeclaredSigningTime is not null ? Format.Time(JsonMapping.Time(sig.DeclaredSigningTime)) + " (signer's clock)" : "-")}");
            o.WriteLine($"      notarization: {(sig.NotarizationTicketStapled ? "ticket stapled (not verified offline)" : "no stapled ticket (online check not done)")}");
            if (sig.DesignatedRequirement.Length > 0)
            {
                o.WriteLine($"      designated:   {(sig.DesignatedRequirementSource == "implicit" ? "# " : string.Empty)}{sig.DesignatedRequirement} ({sig.DesignatedRequirementSatisfied})");
            }
            if (sig.RiskyEntitlements.Count > 0)
            {
                o.WriteLine($"      risky entitlements: {string.Join(", ", sig.RiskyEntitlements)}");
            }

            foreach (var finding in sig.Findings.Where(f => f.Severity != "info"))
            {
                o.WriteLine($"      {finding.Severity} {finding.Kind}: {(string.IsNullOrEmpty(finding.Path) ? string.Empty : finding.Path + ": ")}{finding.Detail}");
            }

            if (sig.FindingCount > sig.Findings.Count)
            {
                o.WriteLine($"      …and {sig.FindingCount - sig.Findings.Count} more finding(s)");
            }

            foreach (var disagreement in sig.VerifierDisagreements)
            {
                o.WriteLine($"      verifiers disagree: {disagreement}");
            }

            foreach (var diagnosis in sig.Diagnoses)
            {
                o.WriteLine($"      diagnosis {diagnosis.Kind}: {diagnosis.Explanation}");
                o.WriteLine($"        remedy: {diagnosis.Remedy}");
            }
        }

        if (a.Quarantine is { } q)
        {
            o.WriteLine($"    quarantine:     {q.Story}");
            if (q.Present)
            {
                var flags = q.FlagsParsed ? $"0x{q.Flags:x4} " : string.Empty;
                var names = string.Join(", ", q.NamedFlags.Select(f => f.Confidence is "apple-source" or "observed" ? f.Name : $"{f.Name} ({f.Confidence})"));
                o.WriteLine($"      value:        {q.Raw}");
                o.WriteLine($"      flags:        {flags}{names}");
                o.WriteLine($"      provenance:   {q.Provenance?.Status}{(string.IsNullOrEmpty(q.Provenance?.Detail) ? string.Empty : ": " + q.Provenance.Detail)}");
            }

            foreach (var url in q.WhereFroms)
            {
                o.WriteLine($"      where from:   {url}");
            }

            foreach (var file in q.QuarantinedFiles)
            {
                o.WriteLine($"      quarantined:  {file}");
            }

            if (q.QuarantinedFileCount > q.QuarantinedFiles.Count)
            {
                o.WriteLine($"      …and {q.QuarantinedFileCount - q.QuarantinedFiles.Count} more quarantined file(s)");
            }
        }

        foreach (var problem in a.WalkProblems)
        {
            o.WriteLine($"    problem:        {problem}");
        }
    }

    private static string Examined(AssessmentCost cost)
    {
        var scope = cost.ChangesKnown ? $"{cost.ChangedPaths} changed path(s)" : "everything (changes not known)";
        var seal = cost.SealFullWalks > 0 ? $"{cost.SealFullWalks} full walk(s)" : $"{cost.SealRegionWalks} changed region(s)";
        return $"{scope}; seal: {seal}, {cost.FilesHashed} file(s) hashed, {cost.DigestCacheHits} from cache; {cost.Milliseconds} ms";
    }
}
