namespace SigWatch.Cli;

/// <summary>Documented process exit codes (README, "Exit codes"). Scripts depend on them: never renumber.</summary>
internal static class ExitCodes
{
    /// <summary>Success; for <c>check</c>: the code is validly signed (and satisfies --requirement if given).</summary>
    public const int Ok = 0;

    /// <summary><c>check</c>: invalid or unsigned, or a requirement is not satisfied.</summary>
    public const int Invalid = 1;

    /// <summary>Daemon commands: the request failed (e.g. <c>show</c> of a bundle the daemon does not know).</summary>
    public const int Failed = 1;

    /// <summary>Command-line usage error (unknown option, missing argument, bad value, requirement syntax).</summary>
    public const int Usage = 2;

    /// <summary>The daemon's socket could not be reached.</summary>
    public const int DaemonUnreachable = 3;

    /// <summary>The daemon refused this caller (peer policy).</summary>
    public const int PermissionDenied = 4;

    /// <summary><c>check</c>: the path cannot be read (missing, unreadable, not a regular file or directory).</summary>
    public const int CannotRead = 5;
}
