using Microsoft.Extensions.DependencyInjection;
using Milvus.Orleans.Data;
using Orleans.Serialization;

namespace Milvus.Orleans.Streaming.Tests.Messages;

public sealed class FieldColumnSerializationTests
{
    private static readonly Serializer<FieldColumn> Serializer =
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer<FieldColumn>>();

    [Fact]
    public void Serialize_WhenAColumnHoldsAThousand128dVectors_WritesTheirBytesOnceWith30BytesAround()
    {
        var values = new float[1_000 * 128];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i * 0.5f - 7;
        }

        var bytes = Serializer.SerializeToArray(FieldColumn.FloatVector("vec", 128, values));

        Assert.Equal(512_000 + 30, bytes.Length);
        var read = Serializer.Deserialize(bytes)!;
        Assert.Equal(("vec", 128, 1_000), (read.Name, read.Dimension, read.RowCount));
        Assert.Equal(values, (float[])read.Values);
    }

    [Fact]
    public void Deserialize_OfEveryColumnType_GivesBackTheSameValues()
    {
        FieldColumn[] columns =
        [
            FieldColumn.Bool("b", [true, false, true]),
            FieldColumn.Int32("i", [int.MinValue, 0, int.MaxValue]),
            FieldColumn.Int64("l", [long.MinValue, -1, long.MaxValue]),
            FieldColumn.Float("f", [float.NegativeInfinity, float.Epsilon, 3.5f]),
            FieldColumn.Double("d", [double.MinValue, double.NaN, 1e300]),
            FieldColumn.VarChar("s", ["", "ä", new string('x', 300)]),
            FieldColumn.Json("j", ["{}", "{\"a\":[1,2]}", "null"]),
            FieldColumn.FloatVector("v", 2, [1, 2, 3, 4, 5, 6]),
            FieldColumn.Int64("empty", []),
        ];

        foreach (var column in columns)
        {
            var read = Serializer.Deserialize(Serializer.SerializeToArray(column))!;

            Assert.Equal((column.Name, column.Type, column.Dimension), (read.Name, read.Type, read.Dimension));
            Assert.Equal(column.Values.GetType(), read.Values.GetType());
            Assert.Equal(column.Values.Cast<object>(), read.Values.Cast<object>());
        }
    }
}
