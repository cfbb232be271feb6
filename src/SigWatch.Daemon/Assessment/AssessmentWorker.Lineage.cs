using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;

namespace SigWatch.Daemon.Assessment;

/// <summary>The events of a recorded assessment, with copy lineage (decided in Core: <see cref="CopyLineage"/>).</summary>
internal sealed partial class AssessmentWorker
{
    // Runs inside the store's write transaction: the sightings it reads are consistent with what is being recorded.
    private RecordDecision Decide(WorkItem item, BundleFacts facts, FileIdentity? directory, RecordContext context, DateTimeOffset now)
    {
        if (options.IsSourceRoot(item.Root))
        {
            // Inventoried for lineage (its valid assessments become sightings); never an event's subject.
            return new RecordDecision([], null);
        }

        var changes = context.Previous is null
            ? AssessmentComparison.Appeared(facts, context.Reappeared, AssessmentComparison.KindOfRoot(item.Root))
            : AssessmentComparison.Compare(context.Previous, facts);
        // Copy lineage is about app bundles; a download is judged on its own.
        if (facts.Kind is not null || !CopyLineage.IsArrival(context.Previous, facts) || BundleIdentity.Of(facts) is not { } identity)
        {
            return new RecordDecision(changes, null);
        }

        var arrival = CopyLineage.Trace(item.Path, facts, directory, context.SightingsOf(identity), Exists, now);
        return new RecordDecision(CopyLineage.Apply(changes, facts, arrival, Path.GetFileName(item.Path)), arrival);
    }

    private bool Exists(string path)
    {
        try
        {
            return tree.Stat(path).Kind == FileTreeKind.Directory;
        }
        catch (IOException)
        {
            return true; // cannot tell: assume the original is there, so a copy is not taken for a move
        }
    }

    private FileIdentity? DirectoryIdentity(string path)
    {
        try
        {
            var entry = tree.Stat(path);
            return entry.Kind == FileTreeKind.Directory ? new FileIdentity(entry.Device, entry.Inode) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
