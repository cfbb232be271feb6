using System.Text;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Tests.Plist;

/// <summary>
/// Tree assertions. xunit's Assert.Equal treats PlistArray/PlistDictionary as plain collections (ordered,
/// element by element), so trees are compared with PlistValue.Equals, and a failure shows both trees.
/// </summary>
internal static class PlistAssert
{
    public static void Equal(PlistValue expected, PlistValue actual)
    {
        if (!expected.Equals(actual))
        {
            Assert.Fail($"Property-list trees differ.\nExpected:\n{Show(expected)}\nActual:\n{Show(actual)}");
        }
    }

    public static PlistFormatException Rejects(PlistErrorReason reason, byte[] input, PlistReaderOptions? options = null)
    {
        var ex = Assert.Throws<PlistFormatException>(() => PropertyList.Read(input, options));
        Assert.True(reason == ex.Reason, $"Expected {reason}, got {ex.Reason}: {ex.Message}");
        Assert.False(PropertyList.TryRead(input, out _, out var error, options));
        Assert.Equal(reason, error!.Reason);
        return ex;
    }

    public static PlistFormatException RejectsXml(PlistErrorReason reason, string xml, PlistReaderOptions? options = null)
    {
        var ex = Rejects(reason, Encoding.UTF8.GetBytes(xml), options);
        Assert.NotNull(ex.Line);
        Assert.Null(ex.Offset);
        return ex;
    }

    private static string Show(PlistValue value)
    {
        try
        {
            var text = Encoding.UTF8.GetString(XmlPropertyListWriter.Write(value));
            return text.Length > 4000 ? text[..4000] + "..." : text;
        }
        catch (ArgumentException)
        {
            return value.ToString() ?? string.Empty;
        }
    }
}
