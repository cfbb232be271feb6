using CsCheck;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Tests.Plist;

/// <summary>CsCheck generators for bounded random property-list trees.</summary>
internal static class PlistGenerators
{
    // Fragments rather than single chars so surrogate pairs stay paired; includes XML metacharacters,
    // whitespace (tab/LF/CR), non-ASCII BMP text (forces UTF-16 in binary) and an astral-plane emoji.
    private static readonly string[] s_fragments =
    [
        "a", "b", "Z", "0", "9", " ", "_", "/", ".", "&", "<", ">", "\"", "'", "]]>", "\t", "\n", "\r",
        "é", "ß", "日本", "\u00A0", "\U0001F600", "CF$UID", "&amp;", "Contents/Resources/",
    ];

    public static readonly Gen<string> Text = TextFrom(s_fragments);

    private static Gen<string> TextFrom(string[] fragments) =>
        Gen.Int[0, fragments.Length - 1].Select(i => fragments[i]).Array[0, 8].Select(string.Concat);

    private static readonly Int128[] s_integerEdges =
    [
        0, 1, -1, 255, 256, 65535, 65536, uint.MaxValue, (Int128)uint.MaxValue + 1,
        long.MaxValue, (Int128)long.MaxValue + 1, long.MinValue, ulong.MaxValue,
    ];

    public static readonly Gen<PlistValue> Integer = Gen.Frequency(
        (2, Gen.Long.Select(l => (PlistValue)new PlistInteger(l))),
        (1, Gen.ULong.Select(u => (PlistValue)new PlistInteger(u))),
        (1, Gen.Int[0, s_integerEdges.Length - 1].Select(i => (PlistValue)new PlistInteger(s_integerEdges[i]))));

    private static readonly long s_minSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long s_maxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Whole-second UTC dates over years 1-9999: XML carries whole seconds only.</summary>
    public static Gen<PlistValue> Date(long minUnixSeconds, long maxUnixSeconds) =>
        Gen.Long[minUnixSeconds, maxUnixSeconds].Select(s => (PlistValue)new PlistDate(DateTimeOffset.FromUnixTimeSeconds(s)));

    public static readonly Gen<PlistValue> Real = Gen.Frequency(
        (4, Gen.Double.Select(d => (PlistValue)new PlistReal(d))),
        (1, Gen.OneOf(0.0, -0.0, 1000.0, 0.1, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, double.MaxValue)
            .Select(d => (PlistValue)new PlistReal(d))));

    public static readonly Gen<PlistValue> Data = Gen.Byte.Array[0, 100].Select(b => (PlistValue)new PlistData(b));

    /// <summary>Generator settings: which leaves may appear, and how deep and wide trees grow.</summary>
    public sealed record Profile(bool Uids, Gen<string> Text, Gen<PlistValue> Dates, Gen<PlistValue> Reals, int Depth = 4, int Width = 6);

    public static Profile Full { get; } = new(Uids: true, Text: Text, Dates: Date(s_minSeconds, s_maxSeconds), Reals: Real);

    /// <summary>Everything XML can carry: no UIDs (XML has no UID element).</summary>
    public static Profile Xml { get; } = Full with { Uids = false };

    /// <summary>
    /// What libplist 2.2 (plistutil) carries faithfully; each restriction was checked against plistutil first.
    /// </summary>
    /// <remarks><para>
    /// CR: plistutil writes a carriage return raw into XML, and XML end-of-line normalisation turns it into LF
    /// for every conforming reader (seen: "a\rb" came back as "a\nb"), so CR is left out of cross-check strings.
    /// </para><para>
    /// Years before 1000: plistutil writes the year without zero padding ("847-09-12T05:23:13Z"), which is not
    /// Apple's %04d format and which our reader rejects, so cross-check dates start at year 1000.
    /// </para></remarks>
    public static Profile CrossCheck { get; } = Xml with
    {
        Text = TextFrom([.. s_fragments.Where(f => !f.Contains('\r', StringComparison.Ordinal))]),
        Dates = Date(new DateTimeOffset(1000, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), s_maxSeconds),
    };

    public static Gen<PlistValue> Tree(Profile profile) => Value(profile, profile.Depth);

    private static Gen<PlistValue> Value(Profile p, int depth)
    {
        var leaves = new List<(int, IGen<PlistValue>)>
        {
            (3, p.Text.Select(s => (PlistValue)new PlistString(s))),
            (3, Integer),
            (2, p.Reals),
            (1, Gen.Bool.Select(b => (PlistValue)PlistBoolean.From(b))),
            (1, p.Dates),
            (2, Data),
        };
        if (p.Uids)
        {
            leaves.Add((1, Gen.ULong.Select(u => (PlistValue)new PlistUid(u))));
        }

        var leaf = Gen.Frequency([.. leaves]);
        if (depth == 0)
        {
            return leaf;
        }

        var child = Value(p, depth - 1);
        var array = child.Array[0, p.Width].Select(items => (PlistValue)new PlistArray(items));
        var dict = Gen.Select(p.Text, child).Array[0, p.Width].Select(pairs =>
            (PlistValue)new PlistDictionary(pairs.DistinctBy(kv => kv.Item1, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Item1, kv.Item2))));
        return Gen.Frequency((3, leaf), (1, array), (1, dict));
    }
}
