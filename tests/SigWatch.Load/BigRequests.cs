using System.Net.Sockets;

namespace SigWatch.Load;

/// <summary>
/// Sends many large gRPC requests at once over raw HTTP/2 (ignoring flow control, as an attacker may), each on its own
/// connection, and records whether the daemon refused each with its GOAWAY before reading it, and how many bytes each
/// got into the socket before the daemon closed it.
/// </summary>
internal static class BigRequests
{
    private const int MaxFramePayload = 16_384; // SETTINGS_MAX_FRAME_SIZE's initial value (RFC 9113 §6.5.2)

    public static async Task<BigRequestsResult> RunAsync(string socketPath, int count, int bytes, string method, TimeSpan timeout)
    {
        var message = RawHttp2.GrpcMessageWithString(bytes);
        var prologue = RawHttp2.Preface.ToArray().Concat(RawHttp2.Frame(RawHttp2.Settings, 0, 0, [])).Concat(RawHttp2.GrpcHeaders(1, method)).ToArray();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => SendOneAsync(socketPath, prologue, message, timeout))).ConfigureAwait(false);
        return new BigRequestsResult(
            count, bytes,
            outcomes.Count(o => o.Refused),
            outcomes.Count(o => !o.Refused && o.Error is null),
            outcomes.Count(o => o.Error is not null),
            outcomes.Count(o => o.Sent >= message.Length),
            outcomes.Max(o => o.Sent),
            outcomes.FirstOrDefault(o => o.Refused).Debug,
            outcomes.FirstOrDefault(o => o.Error is not null).Error);
    }

    private static async Task<(bool Refused, string? Debug, long Sent, string? Error)> SendOneAsync(string socketPath, byte[] prologue, byte[] message, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            return (false, null, 0, e.Message);
        }

        using var cts = new CancellationTokenSource(timeout);
        var reader = RawHttp2.ReadUntilClosedAsync(socket, 64 * 1024, cts.Token);
        long sent = 0;
        try
        {
            await socket.SendAsync(prologue, SocketFlags.None, cts.Token).ConfigureAwait(false);
            for (var offset = 0; offset < message.Length; offset += MaxFramePayload)
            {
                var length = Math.Min(MaxFramePayload, message.Length - offset);
                var last = offset + length == message.Length;
                var frame = RawHttp2.Frame(RawHttp2.Data, last ? RawHttp2.EndStream : (byte)0, 1, message.AsSpan(offset, length));
                await socket.SendAsync(frame, SocketFlags.None, cts.Token).ConfigureAwait(false);
                sent += length;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // EPIPE: the daemon closed the connection without reading the rest.
        }

        var received = await reader.ConfigureAwait(false);
        var (refused, debug) = RawHttp2.FindRefusal(received);
        return (refused, debug, sent, null);
    }
}

internal sealed record BigRequestsResult(
    int Requests, int BytesEach, int Refused, int AnsweredOtherwise, int ConnectErrors, int SentCompletely, long MaxBytesSent,
    string? FirstRefusal, string? FirstError);
