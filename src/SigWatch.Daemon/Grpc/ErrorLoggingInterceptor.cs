using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace SigWatch.Daemon.Grpc;

/// <summary>
/// Logs every call that fails and maps unexpected exceptions to INTERNAL with a short message, so
/// no stack trace reaches a client and no service has to repeat this.
/// </summary>
internal sealed class ErrorLoggingInterceptor(ILogger<ErrorLoggingInterceptor> logger) : Interceptor
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
            logger.LogInformation("{Method} -> {Status}: {Detail}", context.Method, rpc.StatusCode, rpc.Status.Detail);
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
