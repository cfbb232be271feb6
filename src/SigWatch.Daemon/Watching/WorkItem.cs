namespace SigWatch.Daemon.Watching;

internal enum WorkKind
{
    /// <summary>Assess one bundle directory (or record its removal when it is gone).</summary>
    Bundle,

    /// <summary>Reconcile one first-level folder of a root (e.g. /Applications/Utilities) with the store.</summary>
    Container,

    /// <summary>Reconcile a whole root with the store.</summary>
    Root,
}

/// <summary>A unit of work for the assessment worker; equal items are coalesced while pending.</summary>
/// <param name="Full">Verify seals without the per-file digest cache (the periodic full re-hash).</param>
/// <param name="Unstable">The bundle was still changing when its maximum wait ran out (USER-PROBLEMS.md row 4).</param>
internal readonly record struct WorkItem(WorkKind Kind, string Path, string Root, bool Full = false, bool Unstable = false);
