using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using SigWatch.Daemon.Security;

namespace SigWatch.Daemon.Grpc;

/// <summary>
/// Logs every call that fails and maps unexpected exceptions to INTERNAL with a short message, so
/// no stack trace reaches a client and no service has to repeat this. A caller's own mistakes (invalid argument,
/// not found) are logged at Debug, refusals (a limit reached, a denial) through the rate-limited
/// <see cref="RefusalLog"/>: no caller can make the log grow faster than a few lines a minute.
/// </summary>
internal sealed class ErrorLoggingInterceptor(ILogger<ErrorLoggingInterceptor> logger, RefusalLog refusals) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e, context) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e, context) is { } mapped)
        {
            throw mapped;
        }
    }

    private RpcException? Map(Exception e, ServerCallContext context)
    {
        if (e is RpcException rpc)
        {
            if (rpc.StatusCode is StatusCode.PermissionDenied or StatusCode.ResourceExhausted)
            {
                refusals.Note(Caller.Of(context).UserId, $"{context.Method} -> {rpc.StatusCode}: {rpc.Status.Detail}");
            }
            else
            {
                logger.LogDebug("{Method} -> {Status}: {Detail}", context.Method, rpc.StatusCode, rpc.Status.Detail);
            }

            return null;
        }

        if (e is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return null;
        }

        logger.LogError(e, "{Method} failed", context.Method);
        return new RpcException(new Status(StatusCode.Internal, $"{context.Method} failed: {e.GetType().Name}: {e.Message}"));
    }
}
