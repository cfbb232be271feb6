using SigWatch.Core.Plist;

namespace SigWatch.Core.CodeSigning;

/// <summary>
/// Decodes the CMS hash-agility V1 attribute payload (1.2.840.113635.100.9.1): an XML property list
/// <c>{ "cdhashes" : [ &lt;data&gt;, … ] }</c> (reference §6.1; SEC cmssiginfo.c).
/// </summary>
public static class CdHashesPlist
{
    /// <summary>The cdhash list, or null when the bytes are not a plist of that shape.</summary>
    public static IReadOnlyList<byte[]>? Decode(ReadOnlyMemory<byte> plist)
    {
        if (!PropertyList.TryRead(plist.Span, out var value, out _)
            || value is not PlistDictionary dictionary
            || dictionary.GetArray("cdhashes") is not { } array)
        {
            return null;
        }

        var hashes = new List<byte[]>(array.Count);
        foreach (var item in array)
        {
            if (item is not PlistData data)
            {
                return null;
            }

            hashes.Add(data.Value.ToArray());
        }

        return hashes;
    }
}
