using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using SigWatch.Daemon.Configuration;

namespace SigWatch.Daemon.Security;

/// <summary>
/// Authorization of every call, in one place. The connection's peer (decided by <see cref="ConnectionGate"/>) becomes
/// the call's <see cref="Caller"/>, which each service method receives to filter what it answers; the control service
/// (<c>sigwatch.v1.SigWatchControl</c>: Rescan) is for admins only, and a denial names the rule. Unary calls are bounded
/// by <see cref="DaemonOptions.CallTimeoutSeconds"/>.
/// </summary>
internal sealed class CallAuthorizationInterceptor(AdminPolicy admins, DaemonOptions options, RefusalLog refusals) : Interceptor
{
    private const string ControlService = "/sigwatch.v1.SigWatchControl/";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        // On the thread pool, so that a handler that blocks (a slow database) still ends the call at the deadline. The
        // wait's timer is released as soon as the call completes (WaitAsync), not left to expire.
        var call = Task.Run(() => continuation(request, context), context.CancellationToken);
        var timeout = TimeSpan.FromSeconds(options.CallTimeoutSeconds);
        try
        {
            return await call.WaitAsync(timeout, context.CancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"the daemon did not answer within {timeout.TotalSeconds} s"));
        }
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var items = context.GetHttpContext().Features.Get<IConnectionItemsFeature>()?.Items;
        var decision = items is not null && items.TryGetValue(PeerDecision.ConnectionItemKey, out var value) ? value as PeerDecision : null;
        if (decision is not { Admitted: true, Peer: { } peer })
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, decision?.Reason ?? "the connection was not checked against the peer policy"));
        }

        var caller = admins.Classify(peer);
        if (context.Method.StartsWith(ControlService, StringComparison.Ordinal) && !caller.IsAdmin)
        {
            var rule = $"{context.Method[ControlService.Length..]} is an admin action (root, the daemon's user, or an admin group); {caller.Role}";
            refusals.Note(caller.UserId, rule);
            throw new RpcException(new Status(StatusCode.PermissionDenied, rule));
        }

        caller.AttachTo(context);
    }
}
