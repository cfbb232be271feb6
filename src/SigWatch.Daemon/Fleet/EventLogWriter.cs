using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Store;

namespace SigWatch.Daemon.Fleet;

/// <summary>What <c>sigwatch status</c> shows of the event log.</summary>
internal sealed record EventLogState(bool Enabled, string Path, long LastEventId, long LastAssessmentId, long FileBytes, long LinesWritten,
    DateTimeOffset? LastWriteAt, string? LastError, DateTimeOffset? LastErrorAt);

/// <summary>
/// Writes every committed event (and, when configured, every stored assessment) to the NDJSON event log, in id order,
/// after its transaction has committed: it reads the store by cursor when a commit wakes it (or every second), so it
/// can neither see an uncommitted event nor miss one. Exactly once across crashes: on start the cursor is the larger of
/// the last id in the file (a crash after the write but before the cursor was stored) and the store's cursor (files
/// rotated away or deleted); a line cut by a crash is removed first. A failing disk is retried with backoff; the daemon
/// keeps assessing and nothing is lost, because the events wait in the store.
/// </summary>
internal sealed class EventLogWriter(
    DaemonOptions options,
    SigWatchStore store,
    EventHub hub,
    FleetRecords records,
    FleetIdentity identity,
    TimeProvider time,
    ILogger<EventLogWriter> logger) : BackgroundService
{
    public const string EventCursor = "event-log";
    public const string AssessmentCursor = "event-log-assessments";

    /// <summary>Lines read and written per batch: bounds memory (a line with many findings is tens of KB).</summary>
    internal const int BatchSize = 128;

    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);

    private readonly Wakeup _wakeup = hub.AddCommitWakeup();
    private readonly Lock _stateGate = new();
    private EventLogState _state = new(options.EventLog.Enabled, options.EventLog.Path, 0, 0, 0, 0, null, null, null);
    private EventLogFile? _file;
    private long _eventCursor;
    private long _assessmentCursor;

    public EventLogState State
    {
        get
        {
            lock (_stateGate)
            {
                return _state;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.EventLog;
        if (!settings.Enabled)
        {
            return;
        }

        // Off the host's start-up path: recovery reads up to a few MB.
        await Task.Yield();
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_file is null)
                {
                    Start(settings);
                }

                Drain();
                backoff = TimeSpan.FromSeconds(1);
                await _wakeup.WaitAsync(s_poll, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
            {
                Failed(e);
                try
                {
                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxBackoff.Ticks));
            }
        }

        // The workers have stopped (hosted services stop in reverse order): what they committed last is written now.
        try
        {
            if (_file is not null)
            {
                Drain();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or ObjectDisposedException)
        {
            Failed(e);
        }
        finally
        {
            _file?.Dispose();
        }
    }

    private void Start(EventLogOptions settings)
    {
        var file = new EventLogFile(settings.Path, settings.MaxFileBytes, TimeSpan.FromHours(settings.MaxFileAgeHours), settings.RetainFiles, time);
        try
        {
            var position = file.Recover();
            _eventCursor = Math.Max(position.LastEventId, store.DeliveryCursor(EventCursor) ?? 0);
            _assessmentCursor = Math.Max(position.LastAssessmentId, store.DeliveryCursor(AssessmentCursor) ?? 0);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        _file = file;
        logger.LogInformation("Event log {Path}: continuing after event {EventId}", settings.Path, _eventCursor);
        Update(s => s with { LastEventId = _eventCursor, LastAssessmentId = _assessmentCursor, FileBytes = file.Length });
    }

    /// <summary>Writes everything committed after the cursors, a batch at a time.</summary>
    private void Drain()
    {
        var includeAssessments = options.EventLog.IncludeAssessments;
        while (true)
        {
            var events = records.EventsAfter(_eventCursor, BatchSize);
            var assessments = includeAssessments ? records.AssessmentsAfter(_assessmentCursor, BatchSize) : [];
            if (events.Count == 0 && assessments.Count == 0)
            {
                return;
            }

            var batch = InCommitOrder(assessments, events);
            using var lines = new MemoryStream();
            foreach (var record in batch)
            {
                lines.Write(EcsDocument.Line(record, identity));
            }

            _file!.Append(lines.GetBuffer().AsSpan(0, (int)lines.Length), batch[0].Time);
            if (events.Count > 0)
            {
                _eventCursor = events[^1].Event!.Id;
                store.SetDeliveryCursorAsync(EventCursor, _eventCursor).GetAwaiter().GetResult();
            }

            if (assessments.Count > 0)
            {
                _assessmentCursor = assessments[^1].Assessment!.Id;
                store.SetDeliveryCursorAsync(AssessmentCursor, _assessmentCursor).GetAwaiter().GetResult();
            }

            var now = time.GetUtcNow();
            Update(s => s with
            {
                LastEventId = _eventCursor,
                LastAssessmentId = _assessmentCursor,
                FileBytes = _file.Length,
                LinesWritten = s.LinesWritten + batch.Count,
                LastWriteAt = now,
                LastError = null,
            });
        }
    }

    /// <summary>
    /// Assessment lines and event lines, each kind in id order (the order its rows were committed in), merged in commit
    /// order as far as the rows tell it: an event and the assessment it names share a transaction, and assessment ids
    /// grow with commits, so an assessment goes before the events of its own or a later assessment and after those of an
    /// earlier one (and after every event before those). Where nothing tells (an event without an assessment on either
    /// side), the earlier time goes first, the assessment on a tie. Sorting the lot by time put events out of id order:
    /// with several workers, an event's time is when its assessment began, and a later commit can carry an earlier time.
    /// </summary>
    internal static List<FleetRecord> InCommitOrder(IReadOnlyList<FleetRecord> assessments, IReadOnlyList<FleetRecord> events)
    {
        // The assessment id of the first event at or after each position that names one (they never decrease).
        var nextCaused = new long?[events.Count + 1];
        for (var i = events.Count - 1; i >= 0; i--)
        {
            nextCaused[i] = events[i].Event!.AssessmentId ?? nextCaused[i + 1];
        }

        var merged = new List<FleetRecord>(assessments.Count + events.Count);
        int a = 0, e = 0;
        while (a < assessments.Count && e < events.Count)
        {
            var assessment = assessments[a];
            var ev = events[e];
            // Committed after this event's assessment, or after that of an event still to come: the event first. Else
            // this is the event's own assessment or an earlier one, or nothing tells and the time decides.
            var eventFirst = nextCaused[e] is { } caused && caused < assessment.Assessment!.Id;
            var assessmentFirst = !eventFirst && (ev.Event!.AssessmentId is not null || assessment.Time <= ev.Time);
            merged.Add(assessmentFirst ? assessments[a++] : events[e++]);
        }

        for (; a < assessments.Count; a++)
        {
            merged.Add(assessments[a]);
        }

        for (; e < events.Count; e++)
        {
            merged.Add(events[e]);
        }

        return merged;
    }

    private void Failed(Exception e)
    {
        var now = time.GetUtcNow();
        var previous = State;
        Update(s => s with { LastError = $"{options.EventLog.Path}: {e.Message}", LastErrorAt = now });
        // One warning per distinct problem, not one per retry.
        if (previous.LastError is null || !previous.LastError.EndsWith(e.Message, StringComparison.Ordinal))
        {
            logger.LogWarning("Event log {Path}: cannot write ({Reason}); events wait in the database and are written when it can",
                options.EventLog.Path, e.Message);
        }
    }

    private void Update(Func<EventLogState, EventLogState> change)
    {
        lock (_stateGate)
        {
            _state = change(_state);
        }
    }
}
