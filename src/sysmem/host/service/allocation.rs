//! Allocation once every node of a collection is ready, the answers to its waits, and failure.

use super::*;

impl Service {
    // -----------------------------------------------------------------------------------------
    // Allocation and failure
    // -----------------------------------------------------------------------------------------

    /// Allocates collection `id` if its nodes are all ready: tokens released, collections
    /// with constraints set (or released). Only a node's messages or closure can make its
    /// collection ready, so the loop asks this for the collection of the node it served.
    pub(super) fn allocate_if_ready(&mut self, id: CollectionId) {
        let ready = self
            .collections
            .get(&id)
            .is_some_and(|c| c.allocation.is_none() && self.is_ready(c));
        if ready {
            match self.allocate(id) {
                Ok(()) => self.answer_waits(id),
                Err(error) => {
                    self.log_failure(id, None, &format!("allocation failed: {error}"));
                    self.fail(id, Some(error));
                }
            }
        }
    }

    pub(super) fn is_ready(&self, collection: &Collection) -> bool {
        let mut any_constraints = false;
        for node in collection.nodes.iter().filter_map(|id| self.nodes.get(id)) {
            match &node.kind {
                NodeKind::Collection {
                    constraints: Some(_),
                    ..
                } => any_constraints = true,
                _ if node.released => {}
                _ => return false,
            }
        }
        any_constraints || !collection.orphaned_constraints.is_empty()
    }

    /// Aggregates the constraints and creates the VMOs.
    pub(super) fn allocate(&mut self, id: CollectionId) -> Result<(), Error> {
        let collection = self.collections.get(&id).ok_or(Error::UNSPECIFIED)?;
        let constraints: Vec<&BufferCollectionConstraints> = collection
            .nodes
            .iter()
            .filter_map(|node| match &self.nodes.get(node)?.kind {
                NodeKind::Collection {
                    constraints: Some(Some(c)),
                    ..
                } => Some(c),
                _ => None,
            })
            .chain(&collection.orphaned_constraints)
            .collect();
        let name = match &collection.name {
            Some((_, name)) => format!("collection {:?}", name),
            None => format!("collection {}", collection.buffer_collection_id),
        };
        sanitize::check_usages(&constraints)?;
        // Aggregation sees every participant's constraints with sysmem's defaults filled in.
        let sanitized = sanitize::with_defaults(&constraints)?;
        let constraints: Vec<&BufferCollectionConstraints> = sanitized.iter().collect();
        let mut settings = match aggregate::aggregate(&constraints) {
            Ok(settings) => settings,
            Err(rejection) => {
                for note in &rejection.notes {
                    self.log(format!("{name}: {note}"));
                }
                self.log(format!("{name}: allocation failed: {rejection}"));
                return Err(rejection.error);
            }
        };
        for note in &settings.notes {
            self.log(format!("{name}: {note}"));
        }
        sanitize::check_size_requested(&constraints, &settings)?;
        sanitize::prefer_ram_for_display(&constraints, &mut settings);
        if let Err(error) = sanitize::check_caps(&settings) {
            self.log(format!(
                "{name}: allocation failed: NO_MEMORY: {} buffers of {} bytes exceed sysmem's \
                 caps (256 MiB a buffer, 1 GiB a collection)",
                settings.buffer_count, settings.size_bytes
            ));
            return Err(error);
        }
        let mut vmos = Vec::with_capacity(settings.buffer_count as usize);
        for _ in 0..settings.buffer_count {
            match zx::Vmo::create(settings.vmo_size_bytes) {
                Ok(vmo) => vmos.push(vmo),
                Err(status) => {
                    let size = settings.vmo_size_bytes;
                    self.log(format!(
                        "{name}: allocation failed: NO_MEMORY: a VMO of {size} bytes: {status:?}"
                    ));
                    return Err(Error::NO_MEMORY);
                }
            }
        }
        let raw_vmo_size = match vmos.first() {
            Some(vmo) => vmo.get_size().map_err(|_| Error::NO_MEMORY)?,
            None => 0,
        };
        if let Some(collection) = self.collections.get_mut(&id) {
            collection.allocation = Some(Allocation {
                settings,
                vmos,
                raw_vmo_size,
            });
        }
        Ok(())
    }

    /// Answers the pending waits of every node of an allocated collection.
    pub(super) fn answer_waits(&mut self, id: CollectionId) {
        let Some(collection) = self.collections.get(&id) else {
            return;
        };
        let Some(allocation) = &collection.allocation else {
            return;
        };
        let mut failed = false;
        for node_id in &collection.nodes {
            let Some(node) = self.nodes.get_mut(node_id) else {
                continue;
            };
            let NodeKind::Collection { constraints, waits } = &mut node.kind else {
                continue;
            };
            for txid in std::mem::take(waits) {
                let constraints = constraints.as_ref().and_then(Option::as_ref);
                match collection_info(collection, allocation, constraints, node.rights_mask) {
                    Ok(info) => {
                        let response = messages::WaitForAllBuffersAllocatedResponse {
                            buffer_collection_info: Some(info),
                        };
                        reply(
                            &node.channel,
                            txid,
                            ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED,
                            FlexibleResult::<_, Error>::Response(response),
                        );
                    }
                    Err(_) => failed = true,
                }
            }
        }
        if failed {
            self.fail(id, Some(Error::NO_MEMORY));
        }
    }

    /// Fails collection `id`: waits pending or already queued are answered with `error` (when
    /// there is one), then every node's channel is closed and the VMOs released.
    pub(super) fn fail(&mut self, id: CollectionId, error: Option<Error>) {
        let Some(collection) = self.collections.remove(&id) else {
            return;
        };
        for node_id in &collection.nodes {
            let Some(node) = self.nodes.remove(node_id) else {
                continue;
            };
            // Every channel's last message says the collection failed, as sysmem's does.
            let epitaph = Epitaph(&node.channel);
            let Some(error) = error else { continue };
            let wait = ordinals::COLLECTION_WAIT_FOR_ALL_BUFFERS_ALLOCATED;
            if let NodeKind::Collection { waits, .. } = &node.kind {
                for &txid in waits {
                    reply_error(&node.channel, txid, wait, error);
                }
            }
            // Calls the client made before the failure reached it.
            while let Ok(Some(RawMessage { bytes, .. })) = read(&node.channel) {
                let Ok(header) = TransactionHeader::decode(&bytes) else {
                    continue;
                };
                let check = ordinals::COLLECTION_CHECK_ALL_BUFFERS_ALLOCATED;
                if header.txid != 0 && (header.ordinal == wait || header.ordinal == check) {
                    reply_error(&node.channel, header.txid, header.ordinal, error);
                }
            }
            drop(epitaph);
        }
    }
}

/// One participant's view of an allocated collection: its own duplicates of every VMO, with
/// its rights, or no VMOs without usage.
fn collection_info(
    collection: &Collection,
    allocation: &Allocation,
    constraints: Option<&BufferCollectionConstraints>,
    rights_mask: zx::Rights,
) -> Result<BufferCollectionInfo, zx::Status> {
    let rights = aggregate::participant_rights(constraints, rights_mask);
    let mut buffers = Vec::with_capacity(allocation.vmos.len());
    for vmo in &allocation.vmos {
        let vmo = match rights {
            Some(rights) => Some(vmo.duplicate_handle(rights)?),
            None => None,
        };
        buffers.push(VmoBuffer {
            vmo,
            vmo_usable_start: Some(0),
            close_weak_asap: None,
        });
    }
    let settings = BufferMemorySettings {
        size_bytes: Some(allocation.settings.size_bytes),
        is_physically_contiguous: Some(false),
        is_secure: Some(false),
        coherency_domain: Some(allocation.settings.coherency_domain),
        heap: Some(Heap {
            heap_type: Some(HEAP_TYPE_SYSTEM_RAM.into()),
            id: Some(0),
        }),
        raw_vmo_size: Some(allocation.raw_vmo_size),
    };
    Ok(BufferCollectionInfo {
        settings: Some(SingleBufferSettings {
            buffer_settings: Some(settings),
            image_format_constraints: allocation
                .settings
                .image
                .as_ref()
                .map(|image| image.constraints.clone()),
        }),
        buffers: Some(buffers),
        buffer_collection_id: Some(collection.buffer_collection_id),
    })
}
