using SigWatch.Core.CodeSigning.Requirements;

namespace SigWatch.Fuzz;

/// <summary>
/// Fuzz targets for the code requirement language. Malformed input must surface only as the module's typed errors
/// (<see cref="MalformedRequirementException"/>, <see cref="RequirementSyntaxException"/>), which are caught here;
/// anything else escapes and is a finding. Whatever decodes or parses is also pushed through print → parse and
/// encode → decode, and a broken round trip throws <see cref="InvalidOperationException"/> (also a finding).
/// The same file is compiled into SigWatch.Core.Tests for the in-process smoke run.
/// </summary>
public static class RequirementTargets
{
    private static readonly RequirementSubject EmptySubject = new();

    /// <summary>Binary decoder: a requirements set when the data starts with 0xFADE0C01, otherwise a single requirement.</summary>
    public static void Decode(ReadOnlySpan<byte> data)
    {
        try
        {
            if (data.Length >= 4 && data[0] == 0xFA && data[1] == 0xDE && data[2] == 0x0C && data[3] == 0x01)
            {
                var set = RequirementSet.Decode(data);
                _ = set.ToString();
                foreach (var entry in set.Entries)
                {
                    Check(entry.Requirement);
                }
            }
            else
            {
                Check(Requirement.Decode(data));
            }
        }
        catch (MalformedRequirementException)
        {
            // Expected for malformed input.
        }
    }

    /// <summary>Parser: a single requirement or a requirement set.</summary>
    public static void Parse(string text)
    {
        object parsed;
        try
        {
            parsed = RequirementParser.ParseAny(text);
        }
        catch (RequirementSyntaxException)
        {
            return; // Expected for text outside the grammar.
        }

        var requirements = parsed is RequirementSet set ? set.Entries.Select(e => e.Requirement).ToList() : [(Requirement)parsed];
        foreach (var requirement in requirements)
        {
            Check(requirement);
            var text2 = requirement.ToString(RequirementTextStyle.RoundTrip);
            if (!Equals(RequirementParser.ParseExpression(text2), requirement.Expression))
            {
                throw new InvalidOperationException($"print/parse round trip changed the tree: {text2}");
            }
        }
    }

    private static void Check(Requirement requirement)
    {
        _ = requirement.ToString();
        _ = requirement.ToString(RequirementTextStyle.RoundTrip);
        if (!requirement.IsSupported)
        {
            return;
        }

        var encoded = RequirementEncoder.Encode(requirement.Expression);
        if (!Equals(Requirement.Decode(encoded).Expression, requirement.Expression))
        {
            throw new InvalidOperationException("encode/decode round trip changed the tree");
        }

        _ = RequirementEvaluator.Default.Evaluate(requirement, EmptySubject);
    }
}
