using Grpc.Core;
using Grpc.Net.Client;
using SigWatch.Protos.V1;

namespace SigWatch.Load;

/// <summary>
/// Opens many WatchEvents streams and never reads them, spread over connections of <c>perConnection</c> streams, holds
/// them for a while, and records how each started: streaming (headers received, or none yet), refused by the event
/// stream limits (RESOURCE_EXHAUSTED), refused with the connection, or failed otherwise.
/// </summary>
internal static class Streams
{
    public static async Task<StreamsResult> RunAsync(string socketPath, int count, int perConnection, TimeSpan hold)
    {
        var channels = Enumerable.Range(0, (count + perConnection - 1) / perConnection).Select(_ => DaemonChannels.Open(socketPath)).ToList();
        var calls = new List<AsyncServerStreamingCall<Event>>();
        int streaming = 0, exhausted = 0, unavailable = 0, other = 0;
        string? firstExhausted = null, firstOther = null;
        try
        {
            var starts = Enumerable.Range(0, count).Select(async i =>
            {
                var call = new Protos.V1.SigWatch.SigWatchClient(channels[i / perConnection]).WatchEvents(new WatchEventsRequest());
                lock (calls)
                {
                    calls.Add(call);
                }

                var headers = call.ResponseHeadersAsync;
                if (await Task.WhenAny(headers, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != headers)
                {
                    Interlocked.Increment(ref streaming); // no headers yet: open, waiting for events
                    return;
                }

                try
                {
                    await headers.ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    Classify(e.Status);
                    return;
                }

                // Headers arrived: either the first event of a live stream, or a trailers-only refusal whose status
                // the client sets a moment later. Without reading the stream, poll for a status briefly.
                for (var poll = 0; poll < 100; poll++)
                {
                    try
                    {
                        Classify(call.GetStatus());
                        return;
                    }
                    catch (InvalidOperationException)
                    {
                        await Task.Delay(20).ConfigureAwait(false);
                    }
                }

                Interlocked.Increment(ref streaming);
            });
            await Task.WhenAll(starts).ConfigureAwait(false);
            await Task.Delay(hold).ConfigureAwait(false);
        }
        finally
        {
            foreach (var call in calls)
            {
                call.Dispose();
            }

            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }

        return new StreamsResult(count, channels.Count, streaming, exhausted, unavailable, other, firstExhausted, firstOther);

        void Classify(Status status)
        {
            switch (status.StatusCode)
            {
                case StatusCode.ResourceExhausted:
                    Interlocked.Increment(ref exhausted);
                    Interlocked.CompareExchange(ref firstExhausted, status.Detail, null);
                    break;
                case StatusCode.Unavailable or StatusCode.Internal or StatusCode.PermissionDenied when status.DebugException is not null:
                    // The connection was refused (GOAWAY INADEQUATE_SECURITY surfaces as PERMISSION_DENIED) or closed.
                    Interlocked.Increment(ref unavailable);
                    break;
                default:
                    Interlocked.Increment(ref other);
                    Interlocked.CompareExchange(ref firstOther, $"{status.StatusCode}: {status.Detail}", null);
                    break;
            }
        }
    }
}

internal sealed record StreamsResult(
    int Requested, int Connections, int Streaming, int ResourceExhausted, int ConnectionRefusedOrUnavailable, int OtherFailures,
    string? FirstResourceExhausted, string? FirstOther);
