using System.Collections.Concurrent;
using System.Diagnostics;
using Tmds.DBus.Protocol;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>A private D-Bus session bus (dbus-daemon with the stock session configuration, as dbus-run-session starts).</summary>
internal sealed class SessionBus : IAsyncDisposable
{
    private readonly Process _daemon;

    private SessionBus(Process daemon, string address)
    {
        _daemon = daemon;
        Address = address;
    }

    public string Address { get; }

    public static async Task<SessionBus> StartAsync()
    {
        var info = new ProcessStartInfo("dbus-daemon", ["--session", "--nofork", "--print-address=1"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var daemon = Process.Start(info)!;
        var address = await daemon.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        if (string.IsNullOrEmpty(address))
        {
            throw new InvalidOperationException("dbus-daemon printed no address: " + await daemon.StandardError.ReadToEndAsync());
        }

        return new SessionBus(daemon, address.Trim());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_daemon.HasExited)
        {
            _daemon.Kill();
            await _daemon.WaitForExitAsync();
        }

        _daemon.Dispose();
    }
}

/// <summary>One Notify call as a notification server received it.</summary>
internal sealed record ReceivedNotification(string AppName, string Summary, string Body, byte? Urgency, int ExpireTimeout);

/// <summary>
/// A notification server for tests: owns <c>org.freedesktop.Notifications</c> on a bus and records every
/// <c>Notify(susssasa{sv}i)</c> (Desktop Notifications Specification 1.2), answering with a fresh id.
/// </summary>
internal sealed class RecordingNotificationServer : IPathMethodHandler, IAsyncDisposable
{
    private const string Interface = "org.freedesktop.Notifications";
    private readonly ConcurrentQueue<ReceivedNotification> _received = new();
    private DBusConnection? _connection;
    private uint _nextId;

    public string Path => "/org/freedesktop/Notifications";

    public bool HandlesChildPaths => false;

    public static async Task<RecordingNotificationServer> StartAsync(string address)
    {
        var server = new RecordingNotificationServer();
        var connection = new DBusConnection(address);
        await connection.ConnectAsync();
        connection.AddMethodHandler(server);
        await connection.RequestNameAsync(Interface, RequestNameOptions.Default);
        server._connection = connection;
        return server;
    }

    public async Task<IReadOnlyList<ReceivedNotification>> WaitForAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (_received.Count < count && clock.Elapsed < timeout)
        {
            await Task.Delay(50);
        }

        await Task.Delay(300); // anything more would be a duplicate
        return [.. _received];
    }

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        var request = context.Request;
        if (request.InterfaceAsString != Interface || request.MemberAsString != "Notify")
        {
            context.ReplyUnknownMethodError();
            return ValueTask.CompletedTask;
        }

        var reader = request.GetBodyReader();
        var app = reader.ReadString();
        reader.ReadUInt32();
        reader.ReadString();
        var summary = reader.ReadString();
        var body = reader.ReadString();
        reader.ReadArrayOfString();
        byte? urgency = null;
        var hints = reader.ReadDictionaryStart();
        while (reader.HasNext(hints))
        {
            reader.AlignStruct();
            var key = reader.ReadString();
            var value = reader.ReadVariantValue();
            if (key == "urgency")
            {
                urgency = value.GetByte();
            }
        }

        var timeout = reader.ReadInt32();
        _received.Enqueue(new ReceivedNotification(app, summary, body, urgency, timeout));
        using var writer = context.CreateReplyWriter("u");
        writer.WriteUInt32(Interlocked.Increment(ref _nextId));
        context.Reply(writer.CreateMessage());
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        return ValueTask.CompletedTask;
    }
}
