using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using SigWatch.Core.FileSystem;
using SigWatch.Daemon.Assessment;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Grpc.Mapping;
using SigWatch.Daemon.Security;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;
using SigWatch.Protos.V1;
using ProtoEvent = SigWatch.Protos.V1.Event;

namespace SigWatch.Daemon.Grpc.Services;

/// <summary>
/// <c>sigwatch.v1.SigWatch</c>: the read-only inventory (status, list, show, events, the event stream). Every admitted
/// peer may call it; what it answers is filtered by <see cref="RootVisibility"/>: bundles and events under another
/// user's Downloads are left out of lists and streams, and asking for one by path or id is PERMISSION_DENIED naming
/// the rule.
/// </summary>
internal sealed class InventoryService(
    DaemonOptions options,
    SigWatchStore store,
    EventHub hub,
    RootVisibility visibility,
    ActivityTracker tracker,
    AssessmentQueue queue,
    WatcherService watchers,
    DaemonClock clock,
    HealthMonitor health,
    Fleet.EventLogWriter eventLog,
    Fleet.OtlpExportService otlp,
    IHostApplicationLifetime lifetime) : Protos.V1.SigWatch.SigWatchBase
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    public const int DefaultEventLimit = 500;
    public const int MaxEventLimit = 5000;
    public const int MaxHistory = 100;

    /// <summary>Events read from the store per query while a stream catches up: bounds the memory of one stream.</summary>
    internal const int BacklogBatch = 200;

    public override async Task<CheckHealthResponse> CheckHealth(CheckHealthRequest request, ServerCallContext context)
    {
        var integrity = await health.IntegrityAsync(context.CancellationToken).ConfigureAwait(false);
        var logProblem = health.LogProblem();
        return new CheckHealthResponse
        {
            DatabaseOk = integrity.Ok,
            DatabaseIntegrity = integrity.Detail,
            DatabaseCheckedAt = Timestamp.FromDateTimeOffset(integrity.CheckedAt),
            DatabaseBytes = integrity.Bytes,
            LogDir = health.LogDir,
            LogDirWritable = logProblem is null,
            LogProblem = logProblem ?? string.Empty,
        };
    }

    public override Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var hidden = visibility.HiddenFrom(caller);
        var summary = store.Summary();
        var counts = summary.BundlesByRoot;
        var response = new GetStatusResponse
        {
            Version = DaemonClock.Version,
            Pid = Environment.ProcessId,
            StartedAt = Timestamp.FromDateTimeOffset(clock.StartedAt),
            DatabasePath = store.DatabasePath,
            SchemaVersion = store.SchemaVersion,
            SocketPath = options.Socket,
            BundleCount = counts.Where(c => !hidden.Contains(c.Key)).Sum(c => c.Value),
            LastEventId = summary.LastEventId,
            PendingAssessments = tracker.PendingCount + queue.Count,
            QuietWindowMs = (long)options.QuietWindow.TotalMilliseconds,
            Caller = new CallerInfo
            {
                Uid = caller.UserId,
                Gids = { caller.Peer.Groups.Prepend(caller.Peer.GroupId).Distinct() },
                Admin = caller.IsAdmin,
                Role = caller.Role,
            },
            EventLog = ProtoMapping.ToProto(eventLog.State),
            Otlp = ProtoMapping.ToProto(otlp.State),
        };
        foreach (var root in options.WatchedRoots)
        {
            var (watching, problem) = watchers.RootState(root);
            var isHidden = hidden.Contains(root);
            response.Roots.Add(new Root
            {
                Path = FileNames.Display(root),
                Exists = Directory.Exists(root),
                Watching = watching,
                BundleCount = isHidden ? 0 : counts.GetValueOrDefault(root),
                Problem = problem ?? string.Empty,
                Hidden = isHidden,
                Source = options.IsSourceRoot(root),
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
        var after = PageTokens.Decode(request.PageToken);
        var hidden = visibility.HiddenFrom(Caller.Of(context));
        var (bundles, total) = store.ListBundles(new BundleQuery(
            NullIfEmpty(request.Root), NullIfEmpty(request.PathContains), request.IncludeRemoved, after, limit + 1, hidden));
        var response = new ListBundlesResponse { TotalCount = total };
        foreach (var bundle in bundles.Take(limit))
        {
            response.Bundles.Add(ProtoMapping.ToProto(bundle));
        }

        if (bundles.Count > limit)
        {
            response.NextPageToken = PageTokens.Encode(bundles[limit - 1].Id);
        }

        return Task.FromResult(response);
    }

    public override Task<GetBundleResponse> GetBundle(GetBundleRequest request, ServerCallContext context)
    {
        var bundle = request.SelectorCase switch
        {
            GetBundleRequest.SelectorOneofCase.Path => GetBundleByPath(request.Path),
            GetBundleRequest.SelectorOneofCase.Id => store.GetBundle(request.Id),
            _ => throw Invalid("selector", "give a path or an id"),
        };
        if (bundle is null)
        {
            var what = request.SelectorCase == GetBundleRequest.SelectorOneofCase.Path ? $"path {request.Path}" : $"id {request.Id}";
            throw new RpcException(new Status(StatusCode.NotFound, $"no bundle with {what} is known to the daemon"));
        }

        if (visibility.Denial(Caller.Of(context), bundle.Root) is { } denial)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, denial));
        }

        var response = new GetBundleResponse { Bundle = ProtoMapping.ToProto(bundle) };
        if (request.IncludeHistory)
        {
            foreach (var assessment in store.GetAssessments(bundle.Id, MaxHistory + 1).Skip(1))
            {
                response.History.Add(ProtoMapping.ToProto(assessment));
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
        var events = store.ListEvents(request.AfterId, limit, request.BundleId, visibility.HiddenFrom(Caller.Of(context)));
        var response = new ListEventsResponse { LastId = events.Count > 0 ? events[^1].Id : request.AfterId };
        response.Events.AddRange(events.Select(ProtoMapping.ToProto));
        return Task.FromResult(response);
    }

    public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<ProtoEvent> responseStream, ServerCallContext context)
    {
        if (request.AfterId < 0)
        {
            throw Invalid("after_id", "must not be negative");
        }

        var caller = Caller.Of(context);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        // Subscribe before reading the backlog so nothing committed in between is missed; events seen in both are
        // skipped by id. The subscription is bounded (EventHub): beyond the limits the stream is refused.
        EventHub.Subscription subscription;
        try
        {
            subscription = hub.Subscribe(caller.UserId);
        }
        catch (SubscriberLimitException e)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, e.Message));
        }

        using (subscription)
        {
            var cursor = request.AfterId;
            while (!stop.IsCancellationRequested)
            {
                var batch = store.ListEvents(cursor, BacklogBatch, hiddenRoots: visibility.HiddenFrom(caller));
                foreach (var ev in batch)
                {
                    await responseStream.WriteAsync(ProtoMapping.ToProto(ev), stop.Token).ConfigureAwait(false);
                    cursor = ev.Id;
                }

                if (batch.Count < BacklogBatch)
                {
                    break;
                }
            }

            try
            {
                await foreach (var ev in subscription.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    // Owners are re-read as the stream goes on (RootVisibility caches them briefly), so a stream does
                    // not keep seeing a root whose owner changed.
                    if (ev.Id <= cursor || visibility.Denial(caller, ev.Root) is not null)
                    {
                        continue;
                    }

                    await responseStream.WriteAsync(ProtoMapping.ToProto(ev), stop.Token).ConfigureAwait(false);
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
    }

    private BundleRecord? GetBundleByPath(string path)
    {
        ControlService.RequirePathLength(path);
        return store.GetBundle(Path.TrimEndingDirectorySeparator(FileNames.FromDisplay(path)));
    }

    private static RpcException Invalid(string field, string why) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {why}"));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
