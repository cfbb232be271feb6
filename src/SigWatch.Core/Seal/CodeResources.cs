using System.Runtime.InteropServices;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Seal;

/// <summary>What a sealed entry stands for (SEC resources.cpp <c>ResourceSeal</c>).</summary>
public enum SealedResourceKind
{
    File,
    Symlink,
    NestedCode,
}

/// <summary>
/// One entry of <c>files2</c> (or <c>files</c>): a file with its SHA-1 (<c>hash</c>) and/or SHA-256 (<c>hash2</c>)
/// digest, a symlink with its verbatim target, or nested code with its recorded designated requirement text and cdhash.
/// </summary>
public sealed record SealedResource(string Path, SealedResourceKind Kind, bool Optional, byte[]? Sha1 = null,
    byte[]? Sha256 = null, string? SymlinkTarget = null, string? Requirement = null, byte[]? CdHash = null);

/// <summary>
/// A parsed <c>_CodeSignature/CodeResources</c> (reference §8.1): the seal version in use (2 when <c>files2</c> is
/// present, as SEC <c>validateResources</c> prefers it) with its files and rules. Keys are kept exactly as written and
/// are compared ordinally: SEC never normalizes names (reference §10).
/// </summary>
public sealed class CodeResources
{
    private CodeResources(int version, IReadOnlyDictionary<string, SealedResource> files, IReadOnlyList<ResourceRule> rules,
        bool hasCatchAllRule, IReadOnlyList<string> omitPatterns)
    {
        Version = version;
        Files = files;
        Rules = rules;
        HasCatchAllRule = hasCatchAllRule;
        OmitPatterns = omitPatterns;
    }

    /// <summary>2 for a <c>files2</c>/<c>rules2</c> seal, 1 for a legacy <c>files</c>/<c>rules</c>-only seal.</summary>
    public int Version { get; }

    public IReadOnlyDictionary<string, SealedResource> Files { get; }

    public IReadOnlyList<ResourceRule> Rules { get; }

    /// <summary>
    /// The rule set has the catch-all SEC <c>hasWeakResourceRules</c> demands: <c>'^.*' = true</c> in rules2,
    /// <c>'^Resources/' = true</c> in a version 1 seal.
    /// </summary>
    public bool HasCatchAllRule { get; }

    /// <summary>Patterns of the omit rules, for the strict weak-rules check.</summary>
    public IReadOnlyList<string> OmitPatterns { get; }

    /// <exception cref="SealFormatException">The bytes are not a usable seal.</exception>
    public static CodeResources Parse(ReadOnlySpan<byte> bytes)
    {
        // The version-1 files dictionary is checked but not built (a third of a large seal's bytes, half its objects)
        // unless the seal turns out to be version 1, which is then read again, whole.
        var read = PropertyList.TryRead(bytes, "files", out var value, out var error, out var leftOut);
        if (read && leftOut && (value as PlistDictionary)?.GetDictionary("files2") is null)
        {
            read = PropertyList.TryRead(bytes, out value, out error);
        }

        if (!read)
        {
            throw new SealFormatException(SealFormatReason.NotAPropertyList, $"CodeResources is not a property list: {error!.Message}");
        }

        if (value is not PlistDictionary root)
        {
            throw new SealFormatException(SealFormatReason.NotADictionary, "CodeResources is not a dictionary");
        }

        var (version, filesKey, rulesKey) = root.GetDictionary("files2") is not null ? (2, "files2", "rules2") : (1, "files", "rules");
        var files = root.GetDictionary(filesKey)
            ?? throw new SealFormatException(SealFormatReason.NoFileDictionary, "CodeResources has neither a files2 nor a files dictionary");
        var rules = root.GetDictionary(rulesKey)
            ?? throw new SealFormatException(SealFormatReason.NoRuleDictionary, $"CodeResources has no {rulesKey} dictionary");

        var parsedRules = new List<ResourceRule>(rules.Count);
        var omits = new List<string>();
        var catchAll = false;
        foreach (var (pattern, ruleValue) in rules)
        {
            var rule = ParseRule(pattern, ruleValue);
            parsedRules.Add(rule);
            if (rule.Omit)
            {
                omits.Add(pattern);
            }

            catchAll |= pattern == (version == 2 ? "^.*" : "^Resources/") && ruleValue is PlistBoolean { Value: true };
        }

        var entries = new Dictionary<string, SealedResource>(files.Count, StringComparer.Ordinal);
        foreach (var (path, entryValue) in files)
        {
            entries[path] = ParseEntry(path, entryValue, version);
        }

        return new CodeResources(version, entries, parsedRules, catchAll, omits);
    }

    private static ResourceRule ParseRule(string pattern, PlistValue value)
    {
        switch (value)
        {
            case PlistBoolean b:
                return ResourceRule.Create(pattern, omit: !b.Value);
            case PlistDictionary d:
                // Apple writes weights as <real>; hand-made seals use <integer>. SEC reads them as unsigned int
                // (resources.cpp addRule: cfNumber<unsigned int>), so fractions are dropped.
                var weight = d.TryGetValue("weight", out var w) ? w switch
                {
                    PlistReal r when r.Value >= 0 && r.Value <= uint.MaxValue => Math.Truncate(r.Value),
                    PlistInteger i when i.TryGetInt64(out var l) && l >= 0 && l <= uint.MaxValue => l,
                    _ => throw new SealFormatException(SealFormatReason.InvalidRule, $"rule '{pattern}' has a weight that is not an unsigned number"),
                } : 1;
                return ResourceRule.Create(pattern, weight, d.GetBoolean("omit") ?? false, d.GetBoolean("optional") ?? false,
                    d.GetBoolean("nested") ?? false);
            default:
                throw new SealFormatException(SealFormatReason.InvalidRule, $"rule '{pattern}' is neither a boolean nor a dictionary");
        }
    }

    private static SealedResource ParseEntry(string path, PlistValue value, int version)
    {
        if (value is PlistData bare)
        {
            return new SealedResource(path, SealedResourceKind.File, false, Sha1: Bytes(bare));
        }

        if (value is not PlistDictionary d)
        {
            throw new SealFormatException(SealFormatReason.InvalidEntry, $"entry '{path}' is neither data nor a dictionary");
        }

        var optional = d.GetBoolean("optional") ?? false;
        if (version == 2 && d.GetString("requirement") is { } requirement)
        {
            return new SealedResource(path, SealedResourceKind.NestedCode, optional, Requirement: requirement,
                CdHash: Data(d, "cdhash"));
        }

        if (version == 2 && d.GetString("symlink") is { } target)
        {
            return new SealedResource(path, SealedResourceKind.Symlink, optional, SymlinkTarget: target);
        }

        var sha1 = Data(d, "hash");
        var sha256 = Data(d, "hash2");
        if (sha1 is null && sha256 is null)
        {
            throw new SealFormatException(SealFormatReason.InvalidEntry, $"entry '{path}' has no hash, symlink or requirement");
        }

        return new SealedResource(path, SealedResourceKind.File, optional, sha1, sha256);
    }

    // Not PlistDictionary.GetData: its conditional converts the null branch through byte[] to an empty memory.
    private static byte[]? Data(PlistDictionary d, string key) => d.TryGetValue(key, out var v) && v is PlistData data ? Bytes(data) : null;

    // The readers give each <data> an array of its own, and the tree is dropped after parsing: the array is taken over
    // instead of copied (300,000 copies for a 100,000-file seal). A memory over part of an array is copied.
    private static byte[] Bytes(PlistData data) =>
        MemoryMarshal.TryGetArray(data.Value, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : data.Value.ToArray();
}
