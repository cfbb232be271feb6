using System.Text;
using CsCheck;

namespace SigWatch.Core.Tests.Plist;

/// <summary>
/// Random edits of an XML text for the differential tests of the XML readers: tokens inserted, text removed, a character
/// replaced by a token; half of the edits just after a '&gt;', between elements, where most edges of what the fast
/// path takes are.
/// </summary>
internal static class XmlEdits
{
    /// <param name="text">The text to edit.</param>
    /// <param name="random">The source of the edits (seeded by the property test).</param>
    /// <param name="tokens">What insertions and replacements put in.</param>
    /// <param name="edits">How many edits.</param>
    /// <param name="head">Characters at the start that edits leave alone.</param>
    /// <param name="tail">Characters at the end that edits leave alone.</param>
    public static string Apply(string text, Random random, IReadOnlyList<string> tokens, int edits, int head = 0, int tail = 0)
    {
        for (var i = 0; i < edits; i++)
        {
            var limit = Math.Max(head, text.Length - tail);
            var at = random.Next(head, limit + 1);
            if (random.Next(2) == 0 && text.IndexOf('>', Math.Min(at, Math.Max(0, text.Length - 1))) is var close and >= 0 && close < limit)
            {
                at = close + 1;
            }

            text = random.Next(3) switch
            {
                0 => text.Insert(at, tokens[random.Next(tokens.Count)]),
                1 when at < text.Length => text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at)),
                _ => at < text.Length ? text.Remove(at, 1).Insert(at, tokens[random.Next(tokens.Count)]) : text,
            };
        }

        return text;
    }

    /// <summary>
    /// Runs <paramref name="check"/> (true: the fast path took the document, false: it declined) over 20,000 edited
    /// texts, and asserts both sides were exercised, or the comparison proves nothing (about 5 % of edits keep a
    /// document in the subset).
    /// </summary>
    public static void SampleBothSides(Gen<string> texts, Func<byte[], bool> check)
    {
        var taken = 0;
        var declined = 0;
        texts.Sample(text =>
        {
            if (check(Encoding.UTF8.GetBytes(text)))
            {
                taken++;
            }
            else
            {
                declined++;
            }
        }, iter: 20000, threads: 1);

        Assert.True(taken > 400 && declined > 400, $"taken {taken}, declined {declined}");
    }
}
