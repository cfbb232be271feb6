using Tmds.DBus.Protocol;

namespace SigWatch.Platform.Notifications;

/// <summary>
/// Linux desktops: <c>org.freedesktop.Notifications.Notify</c> on the session bus (Desktop Notifications Specification
/// 1.2: <c>Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions, a{sv} hints, i expire_timeout)
/// → u id</c>; hint <c>urgency</c> is a byte, 0 low, 1 normal, 2 critical). The summary and body are plain strings in
/// the message: nothing is parsed or interpolated (servers may interpret a small markup subset in the body, which
/// shows as text at worst).
/// </summary>
public sealed class FreedesktopNotifier : INotifier, IDisposable
{
    private const string Service = "org.freedesktop.Notifications";
    private const string ObjectPath = "/org/freedesktop/Notifications";

    private readonly string _address;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DBusConnection? _connection;

    /// <param name="address">The session bus address (DBUS_SESSION_BUS_ADDRESS).</param>
    public FreedesktopNotifier(string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        _address = address;
    }

    public string Name => $"D-Bus {Service} on {_address}";

    public async Task PostAsync(DesktopNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await ConnectAsync().ConfigureAwait(false);
            try
            {
                await connection.CallMethodAsync(Notify(connection, notification), (Message m, object? _) => m.GetBodyReader().ReadUInt32())
                    .WaitAsync(NotifierProcess.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DBusErrorReplyException or DBusConnectionException or DBusConnectFailedException or DBusMessageException or TimeoutException or IOException)
            {
                // A broken connection is made anew next time (the bus or the notification server restarted).
                _connection?.Dispose();
                _connection = null;
                throw new NotificationException($"{Service}.Notify failed: {e.Message}", e);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _gate.Dispose();
    }

    private async Task<DBusConnection> ConnectAsync()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = new DBusConnection(_address);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(NotifierProcess.Timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DBusErrorReplyException or DBusConnectionException or DBusConnectFailedException or DBusMessageException or TimeoutException or IOException)
        {
            connection.Dispose();
            throw new NotificationException($"cannot connect to the session bus at {_address}: {e.Message}", e);
        }

        return _connection = connection;
    }

    private static MessageBuffer Notify(DBusConnection connection, DesktopNotification notification)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Service, path: ObjectPath, @interface: Service, signature: "susssasa{sv}i", member: "Notify");
        writer.WriteString("SigWatch");
        writer.WriteUInt32(0);
        writer.WriteString(string.Empty);
        writer.WriteString(notification.Title);
        writer.WriteString(notification.Body);
        writer.WriteArray(Array.Empty<string>());
        var hints = writer.WriteDictionaryStart();
        writer.WriteDictionaryEntryStart();
        writer.WriteString("urgency");
        writer.WriteVariantByte((byte)notification.Urgency);
        writer.WriteDictionaryEnd(hints);
        writer.WriteInt32(-1);
        return writer.CreateMessage();
    }
}
