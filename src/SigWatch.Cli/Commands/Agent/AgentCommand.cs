using System.Globalization;
using Grpc.Core;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Platform;
using SigWatch.Platform.Notifications;
using SigWatch.Protos.V1;

namespace SigWatch.Cli.Commands.Agent;

/// <summary>
/// <c>sigwatch agent</c>: follows the daemon's events from a cursor kept in the user's state directory and posts those at
/// or above the threshold as desktop notifications; a burst becomes one summary. What it receives is what the daemon lets
/// this user see. The cursor moves only after a notification was posted, so neither a restart of the agent nor one of the
/// daemon misses or repeats one; while the daemon is away it reconnects with backoff and says so. It runs until stopped.
/// </summary>
internal sealed class AgentCommand(CliConsole console, AgentSettings settings)
{
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_maxRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_idleCursorWrite = TimeSpan.FromSeconds(1);

    private AgentCursor _cursor = null!;
    private INotifier _notifier = null!;
    private long _position;
    private DateTimeOffset _lastWrite;

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        try
        {
            _notifier = Notifiers.Choose(settings.Notifier, Environment.GetEnvironmentVariable, console.Out);
        }
        catch (ArgumentException e)
        {
            console.Error.WriteLine($"sigwatch: --notifier {settings.Notifier}: {e.Message}");
            return ExitCodes.Usage;
        }

        using var probe = DaemonConnection.Open(settings.Socket);
        var stateDir = settings.StateDir ?? SigWatchPaths.ForUser(ProcessIdentity.EffectiveUserId, Environment.GetEnvironmentVariable).StateDirectory;
        _cursor = AgentCursor.For(stateDir, probe.SocketPath);
        Log($"posting {Severity(settings.Threshold)} events and above with {_notifier.Name}; daemon {probe.SocketPath}; cursor {_cursor.Path}");

        var retry = s_firstRetry;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var connection = DaemonConnection.Open(settings.Socket);
            try
            {
                await FollowAsync(connection, cancellationToken).ConfigureAwait(false);
                Log("sigwatchd ended the event stream (it is stopping or restarting); reconnecting");
                retry = s_firstRetry;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (RpcException e)
            {
                var why = FileKinds.Of(connection.SocketPath) == Core.FileSystem.FileTreeKind.Missing
                    ? "no socket there: the daemon is not running"
                    : $"{e.StatusCode}: {Detail(e)}";
                Log($"sigwatchd at {connection.SocketPath} is unreachable ({why}); retrying in {retry.TotalSeconds:0} s");
            }
            catch (IOException e)
            {
                Log($"cannot keep the cursor in {_cursor.Path}: {e.Message}; retrying in {retry.TotalSeconds:0} s");
            }

            try
            {
                await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, s_maxRetry.Ticks));
        }

        Log("stopped");
        (_notifier as IDisposable)?.Dispose();
        return ExitCodes.Ok;
    }

    private async Task FollowAsync(DaemonConnection connection, CancellationToken cancellationToken)
    {
        var status = await connection.Client.GetStatusAsync(new GetStatusRequest(), DaemonConnection.Unary(cancellationToken)).ConfigureAwait(false);
        var stored = _cursor.Read(out var problem);
        if (problem is not null)
        {
            Log(problem);
        }

        if (stored is not { } cursor)
        {
            // First run: what happened before the agent existed is history (sigwatch events), not news.
            cursor = status.LastEventId;
            Log($"no cursor yet: starting after event {cursor}; earlier events are not posted");
            _cursor.Write(cursor);
        }
        else if (cursor > status.LastEventId)
        {
            cursor = status.LastEventId;
            Log($"the cursor ({stored}) is beyond the daemon's last event ({cursor}): a new database; starting after event {cursor}");
            _cursor.Write(cursor);
        }

        _position = cursor;
        _lastWrite = DateTimeOffset.UtcNow;
        Log($"following sigwatchd {status.Version} (pid {status.Pid}) after event {cursor}");
        using var call = connection.Client.WatchEvents(new WatchEventsRequest { AfterId = cursor }, cancellationToken: cancellationToken);
        await PumpAsync(call.ResponseStream, cancellationToken).ConfigureAwait(false);
    }

    // The first qualifying event after a quiet spell is posted at once (a copy is reported as soon as it is assessed);
    // those that follow within the burst window of a post wait for the window to end and are posted together — as one
    // summary when there are more than the burst limit — so a burst is a notification or two, not a flood.
    private async Task PumpAsync(IAsyncStreamReader<Event> stream, CancellationToken cancellationToken)
    {
        var pending = new List<Event>();
        var lastPost = DateTimeOffset.MinValue;
        Task<bool>? next = null;
        while (true)
        {
            next ??= stream.MoveNext(cancellationToken);
            if (pending.Count > 0)
            {
                var wait = lastPost + settings.BurstWindow - DateTimeOffset.UtcNow;
                if (wait <= TimeSpan.Zero || await Task.WhenAny(next, Task.Delay(wait, cancellationToken)).ConfigureAwait(false) != next)
                {
                    await PostAsync(pending, cancellationToken).ConfigureAwait(false);
                    pending.Clear();
                    lastPost = DateTimeOffset.UtcNow;
                    continue;
                }
            }

            if (!await next.ConfigureAwait(false))
            {
                await PostAsync(pending, cancellationToken).ConfigureAwait(false);
                Advance(force: true);
                return;
            }

            next = null;
            var ev = stream.Current;
            if (NotificationText.Rank(ev.Severity) < settings.Threshold)
            {
                if (pending.Count == 0)
                {
                    _position = ev.Id;
                    Advance(force: false);
                }

                continue;
            }

            pending.Add(ev);
            if (pending.Count == 1 && DateTimeOffset.UtcNow - lastPost >= settings.BurstWindow)
            {
                await PostAsync(pending, cancellationToken).ConfigureAwait(false);
                pending.Clear();
                lastPost = DateTimeOffset.UtcNow;
            }
        }
    }

    private async Task PostAsync(List<Event> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var notifications = batch.Count > settings.BurstLimit ? [NotificationText.ForBurst(batch)] : batch.Select(NotificationText.For).ToList();
        foreach (var notification in notifications)
        {
            try
            {
                await _notifier.PostAsync(notification, cancellationToken).ConfigureAwait(false);
            }
            catch (NotificationException e)
            {
                // Not posted is said, with the text, rather than retried forever: the events stay in `sigwatch events`.
                Log($"could not post a notification ({e.Message}): {notification.Title}: {notification.Body}");
            }
        }

        Log(string.Create(CultureInfo.InvariantCulture,
            $"posted {notifications.Count} notification(s) for event(s) {batch[0].Id}–{batch[^1].Id}"));
        _position = batch[^1].Id;
        Advance(force: true);
    }

    // Events below the threshold move the cursor too, at most once a second (replaying them after a crash costs nothing).
    private void Advance(bool force)
    {
        var now = DateTimeOffset.UtcNow;
        if (force || now - _lastWrite >= s_idleCursorWrite)
        {
            _cursor.Write(_position);
            _lastWrite = now;
        }
    }

    private void Log(string message)
    {
        console.Error.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} sigwatch agent: {message}");
        console.Error.Flush();
    }

    private static string Severity(int rank) => rank switch
    {
        2 => "critical",
        1 => "warning",
        _ => "info",
    };

    private static string Detail(RpcException e) => string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : e.Status.Detail;
}
