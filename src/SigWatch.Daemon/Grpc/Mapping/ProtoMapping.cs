using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Quarantine;
using SigWatch.Daemon.Assessment;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;
using SigWatch.Protos.V1;
using ProtoAssessment = SigWatch.Protos.V1.Assessment;
using ProtoBundle = SigWatch.Protos.V1.Bundle;
using AssessmentCost = SigWatch.Core.Assessment.AssessmentCost;
using ProtoEvent = SigWatch.Protos.V1.Event;
using ProtoEventKind = SigWatch.Protos.V1.EventKind;

namespace SigWatch.Daemon.Grpc.Mapping;

/// <summary>Store records and Core values as protocol messages: paths in their display form (<see cref="FileNames.Display"/>).</summary>
internal static class ProtoMapping
{
    public static ProtoBundle ToProto(BundleRecord bundle)
    {
        var proto = new ProtoBundle
        {
            Id = bundle.Id,
            Path = FileNames.Display(bundle.Path),
            Root = FileNames.Display(bundle.Root),
            FirstSeen = Timestamp.FromDateTimeOffset(bundle.FirstSeen),
            LastSeen = Timestamp.FromDateTimeOffset(bundle.LastSeen),
            Status = bundle.Status,
            StatusDetail = bundle.StatusDetail,
        };
        if (bundle.LastAssessedAt is { } assessed)
        {
            proto.LastAssessedAt = Timestamp.FromDateTimeOffset(assessed);
        }

        if (bundle.LastCost is { } lastCost)
        {
            proto.LastCost = ToProto(lastCost);
        }

        if (bundle.RemovedAt is { } removed)
        {
            proto.RemovedAt = Timestamp.FromDateTimeOffset(removed);
        }

        proto.Source = bundle.Source;
        if (bundle.Lineage is { } lineage)
        {
            proto.Lineage = new Lineage
            {
                Relation = lineage.Relation,
                SourcePath = FileNames.Display(lineage.SourcePath),
                SourceBundleId = lineage.SourceBundleId,
                SourceAssessmentId = lineage.SourceAssessmentId,
                SourceValidAt = Timestamp.FromDateTimeOffset(lineage.SourceValidAt),
            };
        }

        if (bundle.Latest is { } latest)
        {
            proto.Latest = ToProto(latest);
        }

        return proto;
    }

    public static ProtoAssessment ToProto(AssessmentRecord assessment)
    {
        var facts = assessment.Facts;
        var proto = new ProtoAssessment
        {
            Id = assessment.Id,
            AssessedAt = Timestamp.FromDateTimeOffset(assessment.AssessedAt),
            BundleIdentifier = facts.BundleIdentifier ?? string.Empty,
            BundleName = facts.BundleName ?? string.Empty,
            ShortVersion = facts.ShortVersion ?? string.Empty,
            BundleVersion = facts.BundleVersion ?? string.Empty,
            Executable = facts.Executable ?? string.Empty,
            HasInfoPlist = facts.HasInfoPlist,
            InfoPlistError = facts.InfoPlistError ?? string.Empty,
            HasCodeResources = facts.HasCodeResources,
            HasMainExecutable = facts.HasMainExecutable,
            FileCount = facts.FileCount,
            TotalSize = facts.TotalSize,
            Unstable = facts.Unstable,
            Kind = facts.Kind ?? string.Empty,
        };
        proto.WalkProblems.AddRange(facts.WalkProblems);
        if (facts.Quarantine is { } story)
        {
            proto.Quarantine = ToProto(story);
        }

        if (facts.Signature is { } signature)
        {
            proto.Signature = ToProto(signature);
        }

        if (assessment.Cost is { } cost)
        {
            proto.Cost = ToProto(cost);
        }

        return proto;
    }

    private static Protos.V1.AssessmentCost ToProto(AssessmentCost cost) => new()
    {
        ChangesKnown = cost.ChangesKnown,
        ChangedPaths = cost.ChangedPaths,
        SealFullWalks = cost.SealFullWalks,
        SealRegionWalks = cost.SealRegionWalks,
        FilesHashed = cost.FilesHashed,
        BytesHashed = cost.BytesHashed,
        DigestCacheHits = cost.DigestCacheHits,
        Milliseconds = cost.Milliseconds,
    };

    public static Protos.V1.Signature ToProto(SignatureSummary s)
    {
        var proto = new Protos.V1.Signature
        {
            Verdict = s.Verdict,
            Classification = s.Classification,
            Identifier = s.Identifier ?? string.Empty,
            TeamId = s.TeamId ?? string.Empty,
            Cdhash = s.CdHash ?? string.Empty,
            HardenedRuntime = s.HardenedRuntime,
            NotarizationTicketStapled = s.NotarizationTicketStapled,
            FindingCount = s.FindingCount,
            NativeVerdict = s.NativeVerdict ?? string.Empty,
            DesignatedRequirement = s.DesignatedRequirement ?? string.Empty,
            DesignatedRequirementSource = s.DesignatedRequirementSource ?? string.Empty,
            DesignatedRequirementSatisfied = s.DesignatedRequirementSatisfied ?? string.Empty,
        };
        proto.VerifierDisagreements.AddRange(s.VerifierDisagreements);
        if (s.DeclaredSigningTime is { } declared)
        {
            proto.DeclaredSigningTime = Timestamp.FromDateTimeOffset(declared);
        }

        if (s.Timestamp is { } secure)
        {
            proto.Timestamp = Timestamp.FromDateTimeOffset(secure);
        }

        proto.Flags.AddRange(s.Flags);
        proto.Entitlements.AddRange(s.Entitlements);
        proto.RiskyEntitlements.AddRange(s.RiskyEntitlements);
        proto.Findings.AddRange(s.Findings.Select(f => new Protos.V1.Finding { Kind = f.Kind, Severity = f.Severity, Path = f.Path ?? string.Empty, Detail = f.Detail }));
        proto.Diagnoses.AddRange(s.Diagnoses.Select(d => new Protos.V1.Diagnosis { Kind = d.Kind, Paths = { d.Paths }, Explanation = d.Explanation, Remedy = d.Remedy }));
        return proto;
    }

    public static Protos.V1.Quarantine ToProto(QuarantineStory story)
    {
        var q = story.Quarantine;
        var proto = new Protos.V1.Quarantine
        {
            Present = q is not null,
            Raw = q?.Raw ?? string.Empty,
            FlagsParsed = q?.Flags is not null,
            Flags = q?.Flags ?? 0,
            Agent = q?.Agent ?? string.Empty,
            EventId = q?.EventId ?? string.Empty,
            ParseError = q?.ParseError ?? string.Empty,
            UserApproved = q?.UserApproved switch { true => "yes", false => "no", null => "unknown" },
            WhereFromsError = story.WhereFromsError ?? string.Empty,
            QuarantinedFileCount = story.QuarantinedFileCount,
            Story = story.Describe(),
        };
        if (q?.Time is { } time)
        {
            proto.Time = Timestamp.FromDateTimeOffset(time);
        }

        foreach (var flag in q?.NamedFlags ?? [])
        {
            proto.NamedFlags.Add(new Protos.V1.QuarantineFlag { Bit = flag.Bit, Name = flag.Name, Meaning = flag.Meaning, Confidence = ConfidenceName(flag.Confidence) });
        }

        var lookup = story.Provenance;
        proto.Provenance = new Provenance
        {
            Status = lookup.StatusName,
            Detail = lookup.Detail ?? string.Empty,
            AgentName = lookup.Event?.AgentName ?? string.Empty,
            AgentBundleIdentifier = lookup.Event?.AgentBundleIdentifier ?? string.Empty,
            DataUrl = lookup.Event?.DataUrl ?? string.Empty,
            OriginUrl = lookup.Event?.OriginUrl ?? string.Empty,
            OriginTitle = lookup.Event?.OriginTitle ?? string.Empty,
            SenderName = lookup.Event?.SenderName ?? string.Empty,
            SenderAddress = lookup.Event?.SenderAddress ?? string.Empty,
            TypeNumber = lookup.Event?.TypeNumber ?? -1,
            TypeName = lookup.Event?.TypeName ?? string.Empty,
        };
        if (lookup.Event?.Time is { } eventTime)
        {
            proto.Provenance.Time = Timestamp.FromDateTimeOffset(eventTime);
        }

        proto.WhereFroms.AddRange(story.WhereFroms);
        proto.QuarantinedFiles.AddRange(story.QuarantinedFiles);
        proto.Problems.AddRange(story.Problems);
        return proto;
    }

    private static string ConfidenceName(FlagConfidence confidence) => confidence switch
    {
        FlagConfidence.AppleSource => "apple-source",
        FlagConfidence.Observed => "observed",
        FlagConfidence.Community => "community",
        _ => "unsure",
    };

    public static ProtoEvent ToProto(EventRecord ev) => new()
    {
        Id = ev.Id,
        Time = Timestamp.FromDateTimeOffset(ev.Time),
        Kind = Core.Assessment.EventKinds.TryParse(ev.Kind, out var kind) ? kind switch
        {
            Core.Assessment.EventKind.BundleAppeared => ProtoEventKind.BundleAppeared,
            Core.Assessment.EventKind.BundleChanged => ProtoEventKind.BundleChanged,
            Core.Assessment.EventKind.BundleRemoved => ProtoEventKind.BundleRemoved,
            Core.Assessment.EventKind.QuarantineAdded => ProtoEventKind.QuarantineAdded,
            Core.Assessment.EventKind.QuarantineRemoved => ProtoEventKind.QuarantineRemoved,
            Core.Assessment.EventKind.QuarantineChanged => ProtoEventKind.QuarantineChanged,
            Core.Assessment.EventKind.SealBroken => ProtoEventKind.SealBroken,
            Core.Assessment.EventKind.SignatureChanged => ProtoEventKind.SignatureChanged,
            Core.Assessment.EventKind.SignatureRestored => ProtoEventKind.SignatureRestored,
            Core.Assessment.EventKind.VerifierDisagreement => ProtoEventKind.VerifierDisagreement,
            Core.Assessment.EventKind.AssessmentIncomplete => ProtoEventKind.AssessmentIncomplete,
            Core.Assessment.EventKind.CopyBrokeSeal => ProtoEventKind.CopyBrokeSeal,
            Core.Assessment.EventKind.DownloadAppeared => ProtoEventKind.DownloadAppeared,
            Core.Assessment.EventKind.DownloadChanged => ProtoEventKind.DownloadChanged,
            _ => ProtoEventKind.Unspecified,
        } : ProtoEventKind.Unspecified,
        KindName = ev.Kind,
        Severity = ev.Severity.ToString().ToLowerInvariant(),
        Flags = { ev.Flags },
        BundleId = ev.BundleId,
        BundlePath = FileNames.Display(ev.BundlePath),
        AssessmentId = ev.AssessmentId ?? 0,
        Summary = ev.Summary,
    };

    public static EventLogStatus ToProto(Fleet.EventLogState s) => new()
    {
        Enabled = s.Enabled,
        Path = FileNames.Display(s.Path),
        LastEventId = s.LastEventId,
        LastAssessmentId = s.LastAssessmentId,
        FileBytes = s.FileBytes,
        LinesWritten = s.LinesWritten,
        LastWriteAt = s.LastWriteAt is { } written ? Timestamp.FromDateTimeOffset(written) : null,
        LastError = s.LastError ?? string.Empty,
        LastErrorAt = s.LastErrorAt is { } failed ? Timestamp.FromDateTimeOffset(failed) : null,
    };

    public static ExporterStatus ToProto(Fleet.ExporterState s) => new()
    {
        Enabled = s.Enabled,
        Endpoint = s.Endpoint,
        Protocol = s.Enabled ? s.Protocol : string.Empty,
        State = s.Enabled ? s.State : "off",
        LastSuccessAt = s.LastSuccessAt is { } success ? Timestamp.FromDateTimeOffset(success) : null,
        LastError = s.LastError ?? string.Empty,
        LastErrorAt = s.LastErrorAt is { } failed ? Timestamp.FromDateTimeOffset(failed) : null,
        ExportedEvents = s.ExportedEvents,
        Backlog = s.Backlog,
        DroppedEvents = s.DroppedEvents,
        LastEventId = s.LastEventId,
        MetricExports = s.MetricExports,
        MetricExportFailures = s.MetricExportFailures,
    };
}
