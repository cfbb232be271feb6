using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace SigWatch.Daemon.Security;

/// <summary>
/// Refuses every call on a connection the <see cref="PeerPolicy"/> refused (or never decided), before
/// the service sees the request.
/// </summary>
internal sealed class PeerPolicyInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Enforce(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Enforce(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Enforce(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Enforce(context);
        return continuation(requestStream, responseStream, context);
    }

    private static void Enforce(ServerCallContext context)
    {
        var items = context.GetHttpContext().Features.Get<IConnectionItemsFeature>()?.Items;
        var decision = items is not null && items.TryGetValue(PeerDecision.ConnectionItemKey, out var value) ? value as PeerDecision : null;
        if (decision is not { Admitted: true })
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, decision?.Reason ?? "the connection was not checked against the peer policy"));
        }
    }
}
