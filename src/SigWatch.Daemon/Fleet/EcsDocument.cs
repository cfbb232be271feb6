using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;

namespace SigWatch.Daemon.Fleet;

/// <summary>
/// One event (or assessment) as one line of JSON with Elastic Common Schema names (ECS 8.17 field reference: event.*,
/// file.*, file.code_signature.*, package.*, user.*, host.*, agent.*), SigWatch's own fields under <c>sigwatch.*</c>.
/// Nested objects, as ECS recommends for JSON documents; absent values are left out, never written as guesses.
/// Every field is documented in docs/event-log.md, and a test checks that list against what is written.
/// </summary>
internal static class EcsDocument
{
    public const string EcsVersion = "8.17.0";

    private static readonly JsonWriterOptions s_options = new()
    {
        // Paths and summaries stay readable in the file; control characters are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>The ECS numeric severity of each of our severities (Elastic's low/medium/critical risk scores).</summary>
    public static int NumericSeverity(ChangeSeverity severity) => severity switch
    {
        ChangeSeverity.Critical => 99,
        ChangeSeverity.Warning => 47,
        _ => 21,
    };

    /// <summary>ECS event.type for each event kind (allowed values for event.category "file").</summary>
    public static string EventType(string kind) => kind switch
    {
        "bundle-appeared" or "download-appeared" or "copy-broke-seal" => "creation",
        "bundle-removed" => "deletion",
        "verifier-disagreement" or "assessment-incomplete" => "info",
        _ => "change",
    };

    /// <summary>The line for <paramref name="record"/>, ending in '\n'.</summary>
    public static byte[] Line(FleetRecord record, FleetIdentity identity)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var json = new Utf8JsonWriter(buffer, s_options))
        {
            Write(json, record, identity);
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter json, FleetRecord record, FleetIdentity identity)
    {
        var ev = record.Event;
        var facts = record.Facts;
        var signature = facts?.Signature;
        json.WriteStartObject();
        json.WriteString("@timestamp", Timestamp(record.Time));
        if (ev is not null)
        {
            json.WriteString("message", ev.Summary);
        }
        else
        {
            json.WriteString("message", $"{FileNames.Display(record.Path)}: assessed, signature {signature?.Verdict ?? "not assessed"}");
        }

        json.WriteStartObject("ecs");
        json.WriteString("version", EcsVersion);
        json.WriteEndObject();

        json.WriteStartObject("event");
        json.WriteString("kind", ev is null ? "state" : ev.Severity == ChangeSeverity.Info ? "event" : "alert");
        WriteArray(json, "category", ["file"]);
        WriteArray(json, "type", [ev is null ? "info" : EventType(ev.Kind)]);
        json.WriteString("action", ev?.Kind ?? "assessment");
        if (ev is not null)
        {
            json.WriteNumber("severity", NumericSeverity(ev.Severity));
            json.WriteString("id", ev.Id.ToString(CultureInfo.InvariantCulture));
        }

        json.WriteString("dataset", ev is null ? "sigwatch.assessments" : "sigwatch.events");
        json.WriteString("module", "sigwatch");
        json.WriteString("provider", "sigwatchd");
        if (signature?.Diagnoses is [var first, ..])
        {
            json.WriteString("reason", first.Explanation);
        }

        json.WriteEndObject();

        if (ev is not null)
        {
            json.WriteStartObject("log");
            json.WriteString("level", ev.Severity.ToString().ToLowerInvariant());
            json.WriteEndObject();
        }

        WriteFile(json, record, facts);
        WritePackage(json, facts);
        if (record.Owner is { } owner)
        {
            json.WriteStartObject("user");
            json.WriteString("id", owner.Uid.ToString(CultureInfo.InvariantCulture));
            WriteOptional(json, "name", owner.Name);
            json.WriteEndObject();
        }

        WriteHost(json, identity);
        json.WriteStartObject("agent");
        json.WriteString("name", "sigwatch");
        json.WriteString("type", "sigwatch");
        json.WriteString("version", identity.AgentVersion);
        json.WriteEndObject();

        WriteSigWatch(json, record, facts);
        json.WriteEndObject();
    }

    private static void WriteFile(Utf8JsonWriter json, FleetRecord record, BundleFacts? facts)
    {
        var path = FileNames.Display(record.Path);
        json.WriteStartObject("file");
        json.WriteString("path", path);
        json.WriteString("name", Path.GetFileName(path));
        json.WriteString("directory", Path.GetDirectoryName(path) ?? "/");
        if (Path.GetExtension(path) is { Length: > 1 } extension)
        {
            json.WriteString("extension", extension[1..]);
        }

        // A bundle is a directory; a download (.dmg, .pkg, .zip) is a file.
        json.WriteString("type", facts?.Kind is null ? "dir" : "file");
        if (facts is not null)
        {
            json.WriteNumber("size", facts.TotalSize);
        }

        if (facts?.ExecutableSha256 is { } sha256)
        {
            json.WriteStartObject("hash");
            json.WriteString("sha256", sha256);
            json.WriteEndObject();
        }

        if (facts?.Signature is { } signature)
        {
            json.WriteStartObject("code_signature");
            json.WriteBoolean("exists", signature.Verdict != "unsigned");
            if (signature.Verdict != "unsigned")
            {
                json.WriteBoolean("valid", signature.IsValid);
                if (!signature.IsValid)
                {
                    json.WriteString("status", signature.Findings.FirstOrDefault(f => f.Severity == "error")?.Kind ?? signature.Verdict);
                }

                WriteOptional(json, "signing_id", signature.Identifier);
                WriteOptional(json, "team_id", signature.TeamId);
                json.WriteBoolean("trusted", signature.ChainTrusted);
                WriteOptional(json, "subject_name", signature.SignerSubject);
                WriteOptional(json, "digest_algorithm", signature.DigestAlgorithm);
                if (signature.Timestamp is { } timestamp)
                {
                    json.WriteString("timestamp", Timestamp(timestamp));
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WritePackage(Utf8JsonWriter json, BundleFacts? facts)
    {
        if (facts?.BundleIdentifier is null && facts?.ShortVersion is null)
        {
            return;
        }

        json.WriteStartObject("package");
        WriteOptional(json, "name", facts.BundleIdentifier);
        WriteOptional(json, "version", facts.ShortVersion);
        WriteOptional(json, "build_version", facts.BundleVersion);
        json.WriteEndObject();
    }

    private static void WriteHost(Utf8JsonWriter json, FleetIdentity identity)
    {
        var host = identity.Host;
        json.WriteStartObject("host");
        json.WriteString("name", host.Name);
        json.WriteString("hostname", host.Name);
        WriteOptional(json, "id", host.Id);
        json.WriteString("architecture", host.Architecture);
        json.WriteStartObject("os");
        json.WriteString("type", host.OsType);
        WriteOptional(json, "family", host.OsFamily);
        WriteOptional(json, "name", host.OsName);
        WriteOptional(json, "version", host.OsVersion);
        WriteOptional(json, "platform", host.OsPlatform);
        WriteOptional(json, "full", host.OsFull);
        WriteOptional(json, "kernel", host.Kernel);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteSigWatch(Utf8JsonWriter json, FleetRecord record, BundleFacts? facts)
    {
        var ev = record.Event;
        var signature = facts?.Signature;
        json.WriteStartObject("sigwatch");
        if (ev is not null)
        {
            json.WriteNumber("event_id", ev.Id);
            json.WriteString("severity", ev.Severity.ToString().ToLowerInvariant());
            WriteArray(json, "flags", ev.Flags);
            json.WriteNumber("bundle_id", ev.BundleId);
        }
        else if (record.Assessment is { } a)
        {
            json.WriteNumber("bundle_id", a.BundleId);
        }

        if ((record.Assessment?.Id ?? ev?.AssessmentId) is { } assessmentId)
        {
            json.WriteNumber("assessment_id", assessmentId);
        }

        json.WriteString("object", facts?.Kind ?? "bundle");
        json.WriteString("root", FileNames.Display(record.Root));
        if (signature is not null)
        {
            json.WriteString("verdict", signature.Verdict);
            json.WriteString("classification", signature.Classification);
            WriteOptional(json, "cdhash", signature.CdHash);
            json.WriteBoolean("hardened_runtime", signature.HardenedRuntime);
            json.WriteBoolean("notarization_ticket_stapled", signature.NotarizationTicketStapled);
            WriteOptional(json, "designated_requirement_satisfied", signature.DesignatedRequirementSatisfied);
            json.WriteNumber("finding_count", signature.FindingCount);
            json.WriteStartArray("findings");
            foreach (var finding in signature.Findings)
            {
                json.WriteStartObject();
                json.WriteString("kind", finding.Kind);
                json.WriteString("severity", finding.Severity);
                WriteOptional(json, "path", finding.Path);
                json.WriteString("detail", finding.Detail);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("diagnoses");
            foreach (var diagnosis in signature.Diagnoses)
            {
                json.WriteStartObject();
                json.WriteString("kind", diagnosis.Kind);
                WriteArray(json, "paths", diagnosis.Paths);
                json.WriteString("explanation", diagnosis.Explanation);
                json.WriteString("remedy", diagnosis.Remedy);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (signature.RiskyEntitlements.Count > 0)
            {
                WriteArray(json, "risky_entitlements", signature.RiskyEntitlements);
            }

            if (signature.VerifierDisagreements.Count > 0)
            {
                WriteArray(json, "verifier_disagreements", signature.VerifierDisagreements);
            }
        }

        if (facts?.Quarantine is { } story)
        {
            json.WriteStartObject("quarantine");
            json.WriteBoolean("present", story.Quarantine is not null);
            json.WriteString("story", story.Describe());
            if (story.Quarantine is { } q)
            {
                WriteOptional(json, "agent", story.Provenance.Event?.AgentName ?? q.Agent);
                if ((story.Provenance.Event?.Time ?? q.Time) is { } when)
                {
                    json.WriteString("time", Timestamp(when));
                }

                if (q.UserApproved is { } approved)
                {
                    json.WriteBoolean("user_approved", approved);
                }

                WriteArray(json, "flags", [.. q.NamedFlags.Select(f => f.Name)]);
            }

            WriteOptional(json, "origin_url", story.OriginUrl);
            json.WriteNumber("quarantined_files", story.QuarantinedFileCount);
            json.WriteEndObject();
        }

        if (record.Bundle?.Lineage is { } lineage)
        {
            json.WriteStartObject("copy_source");
            json.WriteString("relation", lineage.Relation);
            json.WriteString("path", FileNames.Display(lineage.SourcePath));
            json.WriteNumber("bundle_id", lineage.SourceBundleId);
            json.WriteString("valid_at", Timestamp(lineage.SourceValidAt));
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
