using Grpc.Core;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Connection;

/// <summary>Runs a command body against the daemon and maps call failures to exit codes.</summary>
internal static class DaemonCall
{
    public static async Task<int> RunAsync(string? socket, CliConsole console, Func<DaemonConnection, Task<int>> body)
    {
        using var connection = DaemonConnection.Open(socket);
        try
        {
            return await body(connection).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
        {
            // Ctrl+C while following: a normal end.
            return ExitCodes.Ok;
        }
        catch (RpcException e)
        {
            return DaemonErrors.Report(e, connection, console);
        }
    }
}
