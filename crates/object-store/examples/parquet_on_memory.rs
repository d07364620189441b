//! A Parquet file written to and read back from stowage's memory backend by parquet's
//! async writer and reader, over `object_store`'s buffered writer and reader (what parquet
//! takes for any `Arc<dyn ObjectStore>`), with the memory backend behind
//! [`ObjectStoreBridge`].
//!
//! ```text
//! cargo run -p stowage-object-store --example parquet_on_memory
//! ```
//!
//! The same code runs on S3: build the bridge over an `S3Storage` instead.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use futures::TryStreamExt;
use object_store::buffered::{BufReader, BufWriter};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use parquet::arrow::AsyncArrowWriter;
use parquet::arrow::async_reader::ParquetRecordBatchStreamBuilder;
use stowage_memory::MemoryStorage;
use stowage_object_store::ObjectStoreBridge;

/// The rows the example writes: a study id and the number of images in it.
fn studies() -> Result<RecordBatch, Box<dyn std::error::Error>> {
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["ct-001", "mr-002", "xr-003"]));
    let images: ArrayRef = Arc::new(Int64Array::from(vec![412, 96, 2]));
    Ok(RecordBatch::try_from_iter([
        ("study", ids),
        ("images", images),
    ])?)
}

/// Writes `studies()` as Parquet through the bridge (a multipart write, in the backend's
/// own transfer engine), reads it back in ranged reads, and returns what was read.
async fn round_trip() -> Result<Vec<RecordBatch>, Box<dyn std::error::Error>> {
    let storage = MemoryStorage::builder().bucket("lake").build();
    let store: Arc<dyn ObjectStore> =
        Arc::new(ObjectStoreBridge::new(Arc::new(storage), "lake")?.with_prefix("warehouse")?);
    let path = Path::from("studies/2026-12.parquet");

    let batch = studies()?;
    let writer = BufWriter::new(Arc::clone(&store), path.clone());
    let mut parquet = AsyncArrowWriter::try_new(writer, batch.schema(), None)?;
    parquet.write(&batch).await?;
    parquet.close().await?;

    let meta = store.head(&path).await?;
    let reader = BufReader::new(store, &meta);
    let batches = ParquetRecordBatchStreamBuilder::new(reader)
        .await?
        .build()?
        .try_collect()
        .await?;
    Ok(batches)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let batches = round_trip().await?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    println!("read {rows} rows back from the memory backend through object_store");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parquet_reads_back_what_it_wrote_through_the_bridge() {
        let batches = round_trip().await.expect("round trip");
        assert_eq!(batches, vec![studies().expect("batch")]);
    }
}
