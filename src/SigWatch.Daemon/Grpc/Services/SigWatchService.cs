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

namespace SigWatch.Daemon.Grpc.Services;

/// <summary>The sigwatch.v1.SigWatch service: inventory and event queries over the store, and Rescan.</summary>
internal sealed class SigWatchService(
    DaemonOptions options,
    SigWatchStore store,
    EventHub hub,
    ActivityTracker tracker,
    AssessmentQueue queue,
    WatcherService watchers,
    DaemonClock clock,
    IHostApplicationLifetime lifetime) : Protos.V1.SigWatch.SigWatchBase
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    public const int DefaultEventLimit = 500;
    public const int MaxEventLimit = 5000;
    public const int MaxHistory = 100;

    public override Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        var counts = store.CountPresentBundlesByRoot();
        var response = new GetStatusResponse
        {
            Version = DaemonClock.Version,
            Pid = Environment.ProcessId,
            StartedAt = Timestamp.FromDateTimeOffset(clock.StartedAt),
            DatabasePath = store.DatabasePath,
            SchemaVersion = store.SchemaVersion,
            SocketPath = options.Socket,
            BundleCount = counts.Values.Sum(),
            LastEventId = store.LastEventId(),
            PendingAssessments = tracker.PendingCount + queue.Count,
            QuietWindowMs = (long)options.QuietWindow.TotalMilliseconds,
        };
        foreach (var root in options.Roots)
        {
            var (watching, problem) = watchers.RootState(root);
            response.Roots.Add(new Root
            {
                Path = FileNames.Display(root),
                Exists = Directory.Exists(root),
                Watching = watching,
                BundleCount = counts.GetValueOrDefault(root),
                Problem = problem ?? string.Empty,
            });
        }

        return Task.FromResult(response);
    }

    public override Task<ListBundlesResponse> ListBundles(ListBundlesRequest request, ServerCallContext context)
    {
        if (request.PageSize < 0)
        {
            throw Invalid("page_size", "must not be negative");
        }

        var limit = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var after = DecodePageToken(request.PageToken);
        var (bundles, total) = store.ListBundles(new BundleQuery(
            NullIfEmpty(request.Root), NullIfEmpty(request.PathContains), request.IncludeRemoved, after, limit + 1));
        var response = new ListBundlesResponse { TotalCount = total };
        foreach (var bundle in bundles.Take(limit))
        {
            response.Bundles.Add(ToProto(bundle));
        }

        if (bundles.Count > limit)
        {
            response.NextPageToken = EncodePageToken(bundles[limit - 1].Id);
        }

        return Task.FromResult(response);
    }

    public override Task<GetBundleResponse> GetBundle(GetBundleRequest request, ServerCallContext context)
    {
        var bundle = request.SelectorCase switch
        {
            GetBundleRequest.SelectorOneofCase.Path => store.GetBundle(Path.TrimEndingDirectorySeparator(FileNames.FromDisplay(request.Path))),
            GetBundleRequest.SelectorOneofCase.Id => store.GetBundle(request.Id),
            _ => throw Invalid("selector", "give a path or an id"),
        };
        if (bundle is null)
        {
            var what = request.SelectorCase == GetBundleRequest.SelectorOneofCase.Path ? $"path {request.Path}" : $"id {request.Id}";
            throw new RpcException(new Status(StatusCode.NotFound, $"no bundle with {what} is known to the daemon"));
        }

        var response = new GetBundleResponse { Bundle = ToProto(bundle) };
        if (request.IncludeHistory)
        {
            foreach (var assessment in store.GetAssessments(bundle.Id, MaxHistory + 1).Skip(1))
            {
                response.History.Add(ToProto(assessment));
            }
        }

        return Task.FromResult(response);
    }

    public override Task<ListEventsResponse> ListEvents(ListEventsRequest request, ServerCallContext context)
    {
        if (request.AfterId < 0 || request.Limit < 0 || request.BundleId < 0)
        {
            throw Invalid("after_id/limit/bundle_id", "must not be negative");
        }

        var limit = request.Limit == 0 ? DefaultEventLimit : Math.Min(request.Limit, MaxEventLimit);
        var events = store.ListEvents(request.AfterId, limit, request.BundleId);
        var response = new ListEventsResponse { LastId = events.Count > 0 ? events[^1].Id : request.AfterId };
        response.Events.AddRange(events.Select(ToProto));
        return Task.FromResult(response);
    }

    public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<ProtoEvent> responseStream, ServerCallContext context)
    {
        if (request.AfterId < 0)
        {
            throw Invalid("after_id", "must not be negative");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        // Subscribe before reading the backlog so nothing committed in between is missed; events
        // seen in both are skipped by id.
        using var subscription = hub.Subscribe();
        var cursor = request.AfterId;
        while (!stop.IsCancellationRequested)
        {
            var batch = store.ListEvents(cursor, MaxEventLimit);
            foreach (var ev in batch)
            {
                await responseStream.WriteAsync(ToProto(ev), stop.Token).ConfigureAwait(false);
                cursor = ev.Id;
            }

            if (batch.Count < MaxEventLimit)
            {
                break;
            }
        }

        try
        {
            await foreach (var ev in subscription.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                if (ev.Id <= cursor)
                {
                    continue;
                }

                await responseStream.WriteAsync(ToProto(ev), stop.Token).ConfigureAwait(false);
                cursor = ev.Id;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Client went away or the daemon is stopping: end the stream normally.
        }
        catch (SubscriberTooSlowException e)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, e.Message + $" (last id sent: {cursor})"));
        }
    }

    public override Task<RescanResponse> Rescan(RescanRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Path))
        {
            return Task.FromResult(new RescanResponse { Queued = options.Roots.Sum(root => Queue(new WorkItem(WorkKind.Root, root, root))) });
        }

        if (!Path.IsPathRooted(request.Path))
        {
            throw Invalid("path", $"'{request.Path}' is not an absolute path");
        }

        var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(FileNames.FromDisplay(request.Path)));
        if (options.Roots.Contains(path, StringComparer.Ordinal))
        {
            return Task.FromResult(new RescanResponse { Queued = Queue(new WorkItem(WorkKind.Root, path, path)) });
        }

        foreach (var root in options.Roots)
        {
            var location = BundleLocator.Locate(root, path);
            if (location.Kind is PathLocationKind.Bundle or PathLocationKind.Container && location.Path == path)
            {
                var kind = location.Kind == PathLocationKind.Bundle ? WorkKind.Bundle : WorkKind.Container;
                return Task.FromResult(new RescanResponse { Queued = Queue(new WorkItem(kind, path, root)) });
            }
        }

        throw Invalid("path", $"'{request.Path}' is not a watched root, a bundle in one, or a folder directly inside one; the daemon reads only inside its roots");
    }

    // Roots and folders are expanded into their bundles by the workers, as a reconcile is.
    private int Queue(WorkItem item) => queue.Enqueue(item) switch
    {
        EnqueueResult.Queued or EnqueueResult.Merged => 1,
        _ => throw new RpcException(new Status(StatusCode.ResourceExhausted, "the assessment queue is full; a rescan of the roots is already scheduled")),
    };

    private static RpcException Invalid(string field, string why) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {why}"));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    // Page tokens are opaque to clients; today they carry the last bundle id of the previous page.
    private static string EncodePageToken(long lastId) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("b1:" + lastId.ToString(CultureInfo.InvariantCulture)));

    private static long DecodePageToken(string token)
    {
        if (token.Length == 0)
        {
            return 0;
        }

        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("b1:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return id;
            }
        }
        catch (FormatException)
        {
        }

        throw Invalid("page_token", "not a token this daemon issued");
    }

    internal static ProtoBundle ToProto(BundleRecord bundle)
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

        if (bundle.Latest is { } latest)
        {
            proto.Latest = ToProto(latest);
        }

        return proto;
    }

    internal static ProtoAssessment ToProto(AssessmentRecord assessment)
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

    internal static Protos.V1.Signature ToProto(SignatureSummary s)
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

    internal static Protos.V1.Quarantine ToProto(QuarantineStory story)
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

    internal static ProtoEvent ToProto(EventRecord ev) => new()
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
}
